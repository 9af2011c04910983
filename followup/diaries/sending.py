"""The sweep step that texts due diary prompts (``followup.dispatch.sweep_steps``).

A diary is a series the patient agreed to at the block or the trial, so its prompts are not
"unsolicited" texts under the one-a-day limit (``frequency_cap_until``); quiet hours still hold,
in the patient's zone as it is now (they may have changed it since the diary was scheduled).
Portable ORM only: the demo runs this on SQLite.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import transaction

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..messages import render
from ..models import DiaryEntry, DiaryKind, EnrollmentStatus
from ..questions import normalize_language
from ..scheduling import next_allowed_time
from .schedule import LATE_ANSWER_HOURS


def patient_language(patient) -> str:
    try:
        return normalize_language(patient.language)
    except ValueError:
        return "en"


def diary_prompt_text(row: DiaryEntry, *, clinic_name: str, tz_name: str, language: str) -> str:
    """The text of one diary prompt in the patient's language (GSM-7, one segment)."""
    if row.kind == DiaryKind.SCS_TRIAL:
        return render(
            msg.DIARY_SCS_PROMPT, language, clinic=clinic_name, day=row.key.removeprefix("day")
        )
    if row.recall:
        local = row.due_at.astimezone(zoneinfo.ZoneInfo(tz_name))
        return render(
            msg.DIARY_BLOCK_RECALL, language, clinic=clinic_name, time=local.strftime("%H:%M")
        )
    return render(msg.DIARY_BLOCK_PROMPT, language, clinic=clinic_name)


def diary_prompts_send_due(*, now: dt.datetime) -> dict:
    """Queue every due, unsent diary prompt of an active enrollment whose patient can be texted.

    A prompt that could not go out within the late-answer window (patient unreachable, enrollment
    paused) is left unsent for good: asking at 10:00 about the pain two hours after a block done
    yesterday would record a guess. Such rows stay visible as unanswered prompts.
    """
    counts = {"diary_sent": 0, "diary_deferred": 0}
    batch = settings.SWEEP_BATCH_SIZE
    while True:
        with transaction.atomic():
            rows = list(
                DiaryEntry.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("enrollment__patient", "enrollment__clinic")
                .filter(
                    sent_at__isnull=True,
                    send_at__lte=now,
                    send_at__gt=now - dt.timedelta(hours=LATE_ANSWER_HOURS),
                    enrollment__status=EnrollmentStatus.ACTIVE,
                    enrollment__patient__phone__gt="",
                    enrollment__patient__sms_consent=True,
                    enrollment__patient__opted_out_at__isnull=True,
                    enrollment__patient__phone_invalid_at__isnull=True,
                )
                .order_by("send_at", "pk")[:batch]
            )
            for row in rows:
                counts["diary_sent" if _send_one(row, now=now) else "diary_deferred"] += 1
        if len(rows) < batch:
            break
    return counts


def _send_one(row: DiaryEntry, *, now: dt.datetime) -> bool:
    patient, clinic = row.enrollment.patient, row.enrollment.clinic
    allowed = next_allowed_time(
        now, tz_name=patient.time_zone, start=clinic.quiet_hours_start, end=clinic.quiet_hours_end
    )
    if allowed > now:
        row.send_at = allowed
        row.save(update_fields=["send_at"])
        return False
    outbox_enqueue(
        key=f"diary:{row.pk}",
        channel="sms",
        to=patient.phone,
        body=diary_prompt_text(
            row,
            clinic_name=clinic.name,
            tz_name=patient.time_zone,
            language=patient_language(patient),
        ),
        purpose=OutboundPurpose.QUESTION,
        patient=patient,
        sender=patient_sender(patient),
        unsolicited=False,
        now=now,
    )
    row.sent_at = now
    row.save(update_fields=["sent_at"])
    return True
