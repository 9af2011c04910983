"""Staff labelling of patient texts with their true tier (issue 21 item 4, the validation loop).

The caller has already fetched the patient through the user's clinic scope; this checks that the
text is that patient's, stores the label (one per text, a new click replaces it) and audits it
(ids and the tier only: never the text).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.utils import timezone

from notifications.models import InboundMessage
from patients.audit import audit_record
from patients.models import AuditAction, Patient

from ..models import TextLabel, TextLabelTier


class BadLabel(ValueError):
    """The posted tier is not one of EMERGENCY, URGENT, ROUTINE, NONE."""


def text_label_set(
    *,
    patient: Patient,
    inbound_id: int,
    tier: str,
    user,
    request=None,
    now: dt.datetime | None = None,
) -> TextLabel:
    """Record ``user``'s judgement that the patient's text ``inbound_id`` is of ``tier``."""
    if tier not in TextLabelTier.values:
        raise BadLabel(tier)
    inbound = InboundMessage.objects.filter(pk=inbound_id, patient=patient).first()
    if inbound is None:
        raise Http404("No such text for this patient.")
    now = now or timezone.now()
    label, created = TextLabel.objects.update_or_create(
        inbound=inbound,
        defaults={
            "patient": patient,
            "clinic_id": patient.clinic_id,
            "tier": tier,
            "labelled_by": user,
            "labelled_at": now,
        },
    )
    audit_record(
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        request=request,
        user=user,
        patient=patient,
        obj=label,
        detail={"inbound": inbound.pk, "tier": tier},
    )
    return label


def text_labels_for(patient: Patient) -> dict[int, str]:
    """Inbound id -> labelled tier, for the patient's timeline."""
    return dict(TextLabel.objects.filter(patient=patient).values_list("inbound_id", "tier"))


def labelled_rows(*, clinic_slug: str) -> list[dict]:
    """The clinic's labelled texts as rows for ``followup.screening_report.confusion_report``.

    ``inbound`` identifies each row: reports print that id, never the patient's text.
    """
    from ..models import Enrollment

    rows = []
    labels = (
        TextLabel.objects.filter(clinic__slug=clinic_slug)
        .select_related("inbound", "patient")
        .order_by("id")
    )
    for label in labels:
        enrollment = (
            Enrollment.objects.filter(patient=label.patient, performed_on__lte=label.labelled_at)
            .order_by("-performed_on", "-id")
            .first()
        )
        rows.append(
            {
                "text": label.inbound.body or "",
                "language": label.patient.language or None,
                "procedure": enrollment.procedure if enrollment else None,
                "expected_tier": label.tier,
                "note": "",
                "inbound": label.inbound_id,
            }
        )
    return rows
