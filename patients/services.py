"""Writes to patients: creation from enrollment data, opt-out and reachability."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .models import AuditAction, Clinic, Patient

logger = logging.getLogger(__name__)

CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "time_zone",
    "language",
    "preferred_channel",
)


def patient_upsert(
    *, clinic: Clinic, mrn: str, data: dict, changed_by=None
) -> tuple[Patient, bool]:
    """Create the clinic's patient with this MRN or update their contact details from ``data``.

    Enrolling an existing MRN again overwrites name, birth date, phone and email: that change is
    audited with the patient and the names of the fields (never their values), in the same
    transaction, so a rolled-back enrollment leaves no row claiming a change."""
    patient = Patient.objects.select_for_update().filter(clinic=clinic, mrn=mrn).first()
    if patient is None:
        patient = Patient.objects.create(
            clinic=clinic,
            mrn=mrn,
            sms_consent_at=timezone.now(),
            **{k: v for k, v in data.items() if k in CONTACT_FIELDS},
        )
        return patient, True
    changed = []
    for field in CONTACT_FIELDS:
        if field in data and getattr(patient, field) != data[field]:
            setattr(patient, field, data[field])
            changed.append(field)
    if "phone" in changed:
        # A new number deserves a new chance: the old one's carrier failure says nothing about it.
        patient.phone_invalid_at = None
        patient.phone_invalid_reason = ""
        changed += ["phone_invalid_at", "phone_invalid_reason"]
    if changed:
        patient.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action=AuditAction.CHANGE,
            user=changed_by,
            patient=patient,
            obj=patient,
            detail={"fields": sorted(f for f in changed if f in CONTACT_FIELDS), "via": "mrn"},
        )
    return patient, False


@transaction.atomic
def patient_opt_out(*, patient: Patient, source: str) -> bool:
    """Record an SMS opt-out and cancel every text not yet handed to the provider. Idempotent."""
    from notifications.models import OutboundMessage
    from notifications.outbox import outbox_cancel

    updated = Patient.objects.filter(pk=patient.pk, opted_out_at__isnull=True).update(
        opted_out_at=timezone.now(), opt_out_source=source[:200], sms_consent=False
    )
    outbox_cancel(queryset=OutboundMessage.objects.filter(patient=patient, channel="sms"))
    patient.refresh_from_db()
    return updated == 1


@transaction.atomic
def patient_opt_in(*, patient: Patient, source: str) -> bool:
    updated = Patient.objects.filter(pk=patient.pk, opted_out_at__isnull=False).update(
        opted_out_at=None, opt_out_source="", sms_consent=True, sms_consent_at=timezone.now()
    )
    patient.refresh_from_db()
    return updated == 1


def patient_mark_phone_invalid(*, patient_id: int, reason: str) -> None:
    Patient.objects.filter(pk=patient_id, phone_invalid_at__isnull=True).update(
        phone_invalid_at=timezone.now(), phone_invalid_reason=reason[:200]
    )
