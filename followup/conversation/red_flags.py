"""Handing answers and free text to red-flag screening; the safety text comes back to the caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..flags import flag_create
from ..models import Checkpoint, Tier
from .screen_ask import safety_screen_start
from .state import MAX_TRIES


def redflags_service():
    # Imported late: the red-flag service belongs to the escalation feature and imports this app.
    from ..services import redflags

    return redflags


@dataclass(frozen=True)
class Screened:
    safety: str = ""  # the safety instruction, for the caller to send ("" if none)
    stop: bool = False  # an EMERGENCY: ask nothing more
    told_patient: bool = False  # a safety instruction went (or goes) to the patient


def screen_text(
    *,
    patient,
    text: str,
    checkpoint=None,
    inbound=None,
    now: dt.datetime,
    enrollment=None,
    start_screen: bool = True,
) -> Screened:
    """Hand free text to red-flag screening (flags, escalations); the patient's safety text
    comes back in ``Screened.safety`` for the caller to send."""
    if not (text or "").strip():
        return Screened()
    if enrollment is None and checkpoint is not None:
        enrollment = checkpoint.enrollment
    result = redflags_service().redflags_from_text(
        patient=patient,
        text=text,
        enrollment=enrollment,
        checkpoint=checkpoint,
        inbound_message_id=getattr(inbound, "pk", None),
        now=now,
    )
    reply = result.patient_reply or ""
    # Issue 21 item 3: unsure about a body symptom, so ask (the screen carries the 911 line).
    unsure = start_screen and getattr(result, "needs_safety_screen", False)
    if unsure and safety_screen_start(
        patient=patient, enrollment=enrollment, checkpoint=checkpoint, inbound=inbound, now=now
    ):
        return Screened(safety=reply, stop=False, told_patient=True)
    return Screened(safety=reply, stop=bool(result.stop_survey), told_patient=bool(reply))


def flag_unanswered_red_flag(
    checkpoint: Checkpoint, code: str | list[str], text: str, *, inbound, now: dt.datetime
) -> None:
    """A red-flag question the patient could not answer is not a "no": a person must ask.

    URGENT (a same-day call) when any of the protocol's EMERGENCY rules rests on the question,
    else ROUTINE (the triage queue). DESIGN rule 5: nothing from a patient ends unseen. ``code``
    is a list for a checklist (``followup.checklists``): one flag for the whole list.
    """
    from ..services.escalations import escalation_raise

    codes = [code] if isinstance(code, str) else list(code)
    rules = checkpoint.enrollment.protocol.red_flag_rules
    emergency = any(
        rule["tier"] == Tier.EMERGENCY
        and set(codes) & set(rule["when"].get("all", []) + rule["when"].get("any", []))
        for rule in rules
    )
    what = f"question {code}" if isinstance(code, str) else f"checklist ({', '.join(codes)})"
    flag = flag_create(
        patient=checkpoint.enrollment.patient,
        enrollment=checkpoint.enrollment,
        checkpoint=checkpoint,
        rule_code="RF_UNANSWERED",
        tier=Tier.URGENT if emergency else Tier.ROUTINE,
        reason=f"Red-flag {what} unanswered after {MAX_TRIES} tries",
        evidence=text[:2000],
        source="project rule: unclear answers to red-flag questions go to a person (DESIGN rule 5)",
        inbound_message_id=getattr(inbound, "pk", None),
        now=now,
    )
    escalation_raise(flag=flag, now=now)
