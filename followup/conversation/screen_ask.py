"""Sending the safety screen (issue 21 item 3): "when unsure, ask".

A free text the screener reads as a body symptom it cannot classify with confidence gets, at
once, the numbered list of the procedure's EMERGENCY symptoms (``followup.screening.
safety_screen``) on the safety lane, and an OPEN :class:`SafetyScreenRequest` with a due time.
The answer is read by ``safety_screen.py``; the sweep raises unanswered ones
(``followup.services.safety_screens``).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from ..models import SafetyScreenRequest, SafetyScreenStatus
from ..models.safety_screens import safety_screen_timeout
from ..screening.safety_screen import SafetyScreen, safety_screen_message
from ..timeline import timeline_add
from .state import language_of

# Every text that answers a patient's free text keeps the emergency line.
EMERGENCY_LINE = {
    "en": "If this is an emergency, call 911.",
    "es": "Si es una emergencia, llame al 911.",
}


def safety_screen_body(procedure: str | None, language: str) -> tuple[SafetyScreen, str]:
    """The screen and its SMS body: the numbered list, then the emergency line."""
    screen = safety_screen_message(procedure, language)
    return screen, f"{screen.text}\n{EMERGENCY_LINE[screen.language]}"


def safety_screen_send(
    patient, row: SafetyScreenRequest, body: str, *, now: dt.datetime, key: str = ""
) -> None:
    # The safety lane (not the bulk one): the patient is waiting for it.
    outbox_enqueue(
        key=f"safety_screen:{row.pk}:{key or row.prompts_sent}",
        channel="sms",
        to=patient.phone,
        body=body,
        purpose=OutboundPurpose.SAFETY,
        patient=patient,
        sender=patient_sender(patient),
        checkpoint=row.checkpoint,
        now=now,
    )


def safety_screen_open(*, patient, now: dt.datetime) -> SafetyScreenRequest | None:
    """The patient's open safety screen, locked, if any (answered or not, until closed)."""
    return (
        SafetyScreenRequest.objects.select_for_update(of=("self",))
        .select_related("enrollment__clinic")
        .filter(patient=patient, status=SafetyScreenStatus.OPEN)
        .order_by("-sent_at", "-id")
        .first()
    )


def safety_screen_start(
    *, patient, enrollment, checkpoint, inbound, now: dt.datetime
) -> SafetyScreenRequest | None:
    """Send the safety screen for an uncertain free text (one open screen per patient)."""
    if not patient.can_text:
        return None  # nobody to ask by SMS: the ROUTINE triage item the screener raised stands
    with transaction.atomic():
        open_row = safety_screen_open(patient=patient, now=now)
        if open_row is not None:
            return open_row  # already asking: its answer covers this text too
        screen, body = safety_screen_body(
            getattr(enrollment, "procedure", None), language_of(patient)
        )
        row = SafetyScreenRequest.objects.create(
            patient=patient,
            enrollment=enrollment,
            checkpoint=checkpoint,
            inbound_message_id=getattr(inbound, "pk", None),
            language=screen.language,
            options=list(screen.options),
            sent_at=now,
            due_at=now + safety_screen_timeout(),
        )
        safety_screen_send(patient, row, body, now=now)
        timeline_add(
            patient=patient,
            enrollment=enrollment,
            kind="safety_screen_sent",
            at=now,
            summary="Safety screen sent: the text may describe a symptom",
            data={"safety_screen": row.pk, "inbound": getattr(inbound, "pk", None)},
        )
    return row
