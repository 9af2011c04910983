"""Reading the answer to a safety screen (issue 21 item 3).

While a patient's safety screen is OPEN, their next non-keyword text is its answer, parsed like
the yes/no questions: any positive choice takes the EMERGENCY path exactly like an EMERGENCY free
text (flag, escalation and page, the safety reply with 911); "none" closes it with a ROUTINE
triage item; an unreadable answer is screened as a free text in its own right, then asked once
more, then goes to a nurse (URGENT). Keywords (STOP/HELP) and clinicians' ACKs are handled before
any of this (``notifications.inbound``), so they still win.
"""

from __future__ import annotations

import datetime as dt

from ..messages import render
from ..models import Checkpoint, SafetyScreenRequest, SafetyScreenStatus, Tier
from ..models.safety_screens import safety_screen_timeout
from ..safety import safety_reply
from ..screening.safety_screen import SafetyScreen, parse_safety_screen_reply
from ..services.escalations import escalation_raise_incident
from ..services.safety_screens import SAFETY_SCREEN, safety_screen_close, safety_screen_flag
from ..timeline import timeline_add
from .finishing import conversation_stop
from .red_flags import screen_text
from .screen_ask import safety_screen_body, safety_screen_send
from .state import Handled, question_text

REASK = {
    "en": "Sorry, we did not understand. Please reply with the numbers only.",
    "es": "Perdon, no entendimos. Responda solo con los numeros.",
}
NONE_THANKS = {
    "en": "{clinic}: thank you. Your care team will review your message. "
    "If this is an emergency, call 911.",
    "es": "{clinic}: gracias. Su equipo medico revisara su mensaje. "
    "Si es una emergencia, llame al 911.",
}


def _screen_of(row: SafetyScreenRequest) -> SafetyScreen:
    return SafetyScreen(text="", options=tuple(row.options), language=row.language)


def _emergency_reply(patient, clinic, crisis_line: bool) -> str:
    language = patient.language or "en"
    return safety_reply(
        tier=Tier.EMERGENCY,
        language=language,
        clinic_name=clinic.name,
        crisis_line=crisis_line,
        emergency_instruction=getattr(clinic, f"emergency_instruction_{language}", "") or "",
    )


def safety_screen_answer(
    *,
    row: SafetyScreenRequest,
    patient,
    inbound,
    now: dt.datetime,
    open_check: Checkpoint | None = None,
) -> Handled:
    """Read the patient's text as the answer to their open safety screen.

    ``open_check`` is the patient's check waiting for an answer, if any (locked by the caller):
    the screen interrupted it, so "none" asks its question again and an EMERGENCY stops it.
    """

    text = inbound.body or ""
    parsed = parse_safety_screen_reply(text, _screen_of(row))
    lang = row.language
    clinic = row.enrollment.clinic if row.enrollment_id else patient.clinic
    timeline_add(
        patient=patient,
        enrollment=row.enrollment,
        kind="sms_in",
        at=now,
        summary=f"Answer to the safety screen: {text.strip()}"[:300],
        data={"inbound": inbound.pk, "kind": "safety_screen_answer", "safety_screen": row.pk},
    )
    if parsed.emergency:
        labels = ", ".join(parsed.chosen)
        # Every symptom chosen is one incident: one escalation at EMERGENCY, paged once.
        flags = [
            safety_screen_flag(
                row,
                code=code,
                tier=Tier.EMERGENCY,
                reason=f"Safety screen: patient chose {code}",
                evidence=f"{text.strip()} [safety screen: {labels}]",
                inbound=inbound,
                now=now,
                escalate=False,
            )
            for code in parsed.chosen
        ]
        escalation_raise_incident(flags=flags, now=now)
        safety_screen_close(row, SafetyScreenStatus.EMERGENCY, now)
        _stop(open_check, now)
        safety = _emergency_reply(patient, clinic, "SELF_HARM" in parsed.chosen)
        return Handled("safety_screen_emergency", row.checkpoint, safety, "")
    if parsed.none:
        safety_screen_flag(
            row,
            code="TEXT_REVIEW",
            tier=Tier.ROUTINE,
            reason="Text may describe a symptom; safety screen answered: none of these",
            evidence=text.strip(),
            inbound=inbound,
            now=now,
        )
        safety_screen_close(row, SafetyScreenStatus.NONE, now)
        reply = render(NONE_THANKS, lang, clinic=clinic.name) + _resume(open_check, lang)
        safety_screen_send(patient, row, reply, now=now, key="none")
        return Handled("safety_screen_none", row.checkpoint, "", reply)
    # Unreadable: a new free text may itself be an emergency; screen it as one.
    screened = screen_text(
        patient=patient,
        text=text,
        inbound=inbound,
        now=now,
        enrollment=row.enrollment,
        start_screen=False,
    )
    if screened.stop:
        safety_screen_close(row, SafetyScreenStatus.SUPERSEDED, now)
        _stop(open_check, now)
        return Handled("safety_screen_emergency", row.checkpoint, screened.safety, "")
    if row.prompts_sent < 2:
        row.prompts_sent += 1
        row.due_at = now + safety_screen_timeout()
        row.save(update_fields=["prompts_sent", "due_at"])
        _, body = safety_screen_body(getattr(row.enrollment, "procedure", None), lang)
        reply = f"{REASK[lang]}\n{body}"
        safety_screen_send(patient, row, reply, now=now)
        return Handled("safety_screen_reprompt", row.checkpoint, screened.safety, reply)
    safety_screen_flag(
        row,
        code=SAFETY_SCREEN,
        tier=Tier.URGENT,
        reason="Safety screen not answered clearly: nurse to call the patient",
        evidence=text.strip(),
        inbound=inbound,
        now=now,
    )
    safety_screen_close(row, SafetyScreenStatus.UNCLEAR, now)
    reply = render(NONE_THANKS, lang, clinic=clinic.name)
    safety_screen_send(patient, row, reply, now=now, key="unclear")
    return Handled("safety_screen_unclear", row.checkpoint, screened.safety, reply)


def _resume(open_check: Checkpoint | None, lang: str) -> str:
    """The open check's pending question again: the screen interrupted it."""
    return f"\n{question_text(open_check, lang)}" if open_check is not None else ""


def _stop(open_check: Checkpoint | None, now: dt.datetime) -> None:
    """An EMERGENCY: ask nothing more (as for an EMERGENCY free text)."""
    if open_check is not None:
        conversation_stop(checkpoint=open_check, now=now)
