"""Which clinic an inbound text belongs to, when its phone is on patients of several clinics.

Before this, a text was matched to patients by phone across every clinic: a nurse of clinic B who
enrolled a made-up patient with the phone of clinic A's patient read that patient's next text on
the made-up patient's timeline (issue 20). Now one clinic is chosen first, and only its patients
are candidates (so flags, timeline entries and "who is writing?" stay inside it):

1. the number the text was sent to (``To``): the clinics whose own sender number it is (the
   global default number narrows nothing: a patient whose clinic has since got a number of its
   own may still answer an old text from it);
2. among those, the clinic in conversation with the phone: a pending "who is writing?" question,
   else the open check the phone last answered (or the last one opened), else the most recent text sent to the phone
   (within RECENT_OUTBOUND);
3. else the clinic whose patient has had the phone longest: a later enrolment with the same number
   (the attack) never takes the texts of the patient who had it first.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from notifications.models import InboundMessage, OutboundMessage
from patients.models import Patient

from ..models import Checkpoint, CheckpointStatus, SenderPrompt, SenderPromptStatus

# A reply usually follows our text within days; older texts say little about who is writing.
RECENT_OUTBOUND = dt.timedelta(days=14)


def reached_by(row: InboundMessage, patients: list[Patient]) -> list[Patient]:
    """The patients whose clinic has the number this text was sent to as its own sender.

    When ``To`` is no clinic's own number (the global default, a messaging service's pool
    number that no clinic lists, or missing), every patient stays in: steps 2 and 3 choose."""
    to = (row.to_number or "").strip()
    matched = [p for p in patients if to and p.clinic.sms_from_number == to]
    return matched or patients


def inbound_clinic_patients(
    row: InboundMessage, patients: list[Patient], *, now: dt.datetime
) -> list[Patient]:
    """The patients on this phone that belong to the one clinic this text is routed to."""
    if len({p.clinic_id for p in patients}) <= 1:
        return patients
    candidates = reached_by(row, patients)
    clinic_ids = {p.clinic_id for p in candidates}
    if len(clinic_ids) > 1:
        clinic_id = _clinic_in_conversation(row.from_number, candidates, now=now)
        if clinic_id is None:
            clinic_id = min(candidates, key=lambda p: (p.created_at, p.pk)).clinic_id
        clinic_ids = {clinic_id}
    return [p for p in candidates if p.clinic_id in clinic_ids]


def _clinic_in_conversation(
    phone: str, candidates: list[Patient], *, now: dt.datetime
) -> int | None:
    by_id = {p.pk: p for p in candidates}
    prompt = (
        SenderPrompt.objects.filter(phone=phone, expires_at__gt=now)
        .exclude(status=SenderPromptStatus.CLOSED)
        .order_by("-created_at", "-id")
        .only("patient_ids", "chosen_patient_id", "status")
    )
    for open_prompt in prompt:
        ids = [open_prompt.chosen_patient_id, *open_prompt.patient_ids]
        for pk in ids:
            if pk in by_id:
                return by_id[pk].clinic_id
    checkpoint = (
        Checkpoint.objects.filter(enrollment__patient_id__in=by_id, status=CheckpointStatus.OPEN)
        .order_by(F("last_activity_at").desc(nulls_last=True), F("opened_at").desc(), "-id")
        .values_list("enrollment__patient_id", flat=True)
        .first()
    )
    if checkpoint is not None:
        return by_id[checkpoint].clinic_id
    recent = (
        OutboundMessage.objects.filter(
            to=phone, patient_id__in=by_id, created_at__gte=now - RECENT_OUTBOUND
        )
        .order_by("-created_at", "-id")
        .values_list("patient_id", flat=True)
        .first()
    )
    return by_id[recent].clinic_id if recent is not None else None
