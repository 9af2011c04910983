"""What a red-flag screening returns, and its one way out: escalate the new flags as one incident
and work out (and, for the web form, send) what the patient must be told now."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from notifications.outbox import outbox_enqueue
from patients.models import Patient
from patients.senders import patient_sender

from ...models import Checkpoint, Enrollment, Escalation, Flag
from ...safety import safety_reply
from ...tiers import highest
from ...timeline import timeline_add
from ..escalations import escalation_raise, escalation_raise_incident

logger = logging.getLogger(__name__)


@dataclass
class RedFlagResult:
    tier: str | None  # highest tier raised by this call, None if nothing
    flags: list[Flag] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    stop_survey: bool = False  # an EMERGENCY rule says: stop asking questions
    patient_reply: str = ""  # the safety instruction to send the patient now, in their language
    # The screener was unsure about a body symptom: the conversation sends the safety screen.
    needs_safety_screen: bool = False


def _reply_for(patient: Patient, clinic, tier: str | None, crisis_line: bool) -> str:
    language = patient.language or "en"
    instruction = getattr(clinic, f"emergency_instruction_{language}", "") or ""
    return safety_reply(
        tier=tier,
        language=language,
        clinic_name=clinic.name,
        crisis_line=crisis_line,
        emergency_instruction=instruction,
    )


def finish(
    *,
    patient: Patient,
    clinic,
    enrollment: Enrollment | None,
    checkpoint: Checkpoint | None,
    new: list[tuple[Flag, bool]],
    stop_survey: bool,
    reply_via_outbox: bool,
    now: dt.datetime,
    separate: list[tuple[Flag, bool]] | None = None,
) -> RedFlagResult:
    """Escalate the new flags and work out what the patient is told; ``new``: (flag, crisis).

    The flags in ``new`` came from one report (one text, one check's answers): they are one
    incident, so they raise ONE escalation at the highest tier, paged once, and resolving it
    settles them all (issue 18: a text about fever, weakness and chest pain opened three, and
    the one nobody resolved kept re-paging). ``separate`` flags (care gaps: a bone-health "no")
    are their own concerns, each on its own triage item.
    """
    separate = separate or []
    escalations: dict[int, Escalation] = {}
    if new:
        escalation, _created = escalation_raise_incident(flags=[f for f, _ in new], now=now)
        escalations[escalation.pk] = escalation
    for flag, _crisis in separate:
        escalation, _created = escalation_raise(flag=flag, now=now)
        escalations[escalation.pk] = escalation
    everything = [*new, *separate]
    flags = [flag for flag, _ in everything]
    tier = highest(flag.tier for flag in flags)
    crisis = any(crisis for _, crisis in everything)
    reply = _reply_for(patient, clinic, tier, crisis) if flags else ""
    if reply and reply_via_outbox:
        _send_reply(
            patient=patient,
            enrollment=enrollment,
            checkpoint=checkpoint,
            text=reply,
            key_flag=flags[0],
            now=now,
        )
    return RedFlagResult(
        tier=tier,
        flags=flags,
        escalations=list(escalations.values()),
        stop_survey=stop_survey,
        patient_reply=reply,
    )


def _send_reply(
    *,
    patient: Patient,
    enrollment: Enrollment | None,
    checkpoint: Checkpoint | None,
    text: str,
    key_flag: Flag,
    now: dt.datetime,
) -> None:
    """Send the safety instruction now. It answers what the patient told us: not unsolicited."""
    if patient.can_text:
        channel, to = "sms", patient.phone
    elif patient.can_email:
        channel, to = "email", patient.email
    else:
        timeline_add(
            patient=patient,
            enrollment=enrollment,
            kind="safety_reply_undeliverable",
            summary="Safety instruction could not be sent: no working phone or email",
            data={"flag": key_flag.pk, "text": text},
            at=now,
        )
        logger.error("safety reply for flag %s: patient %s unreachable", key_flag.pk, patient.pk)
        return
    message = outbox_enqueue(
        key=f"safety:flag:{key_flag.pk}",
        channel=channel,
        to=to,
        sender=patient_sender(patient),
        body=text,
        subject=f"{patient.clinic.name}: important" if channel == "email" else "",
        purpose="safety",
        patient=patient,
        checkpoint=checkpoint,
        now=now,
    )
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="safety_reply",
        summary=f"Safety instruction sent by {channel}",
        data={"flag": key_flag.pk, "outbound": message.pk, "text": text},
        at=now,
    )
