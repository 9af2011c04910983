"""Answering the current question: parse, store, re-prompt or move on, screen free text."""

from __future__ import annotations

import datetime as dt

from notifications.inbound import reply_key
from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..answers import answer_write
from ..messages import render
from ..models import AnswerStatus, Checkpoint, Enrollment
from ..parsing import CHOICE, NRS, YES_NO, parse_choice, parse_nrs, parse_yes_no, reprompt_hint
from ..questions import QUESTIONS
from ..timeline import timeline_add
from .finishing import conversation_stop, finish_text_questions
from .red_flags import flag_unanswered_red_flag, redflags_service, screen_text
from .state import (
    BASELINE_CODE,
    FREE_TEXT,
    MAX_TRIES,
    Handled,
    awaiting_answer,
    checklist_at,
    language_of,
    question_text,
    skip_form_questions,
)


def _parse(code: str, text: str, lang: str):
    question = QUESTIONS[code]
    kind = question["type"]
    if kind == "yes_no":
        return parse_yes_no(text, lang), reprompt_hint(YES_NO, lang)
    if kind == "nrs":
        low, high = question.get("min", 0), question.get("max", 10)
        return parse_nrs(text, lang, low=low, high=high), reprompt_hint(
            NRS, lang, low=low, high=high
        )
    if kind == "choice":
        options = question["options"]
        return parse_choice(text, options, lang), reprompt_hint(CHOICE, lang, options=options)
    raise ValueError(f"question {code} ({kind}) is not parsed by the engine")


def _free_text_value(text: str, lang: str) -> tuple[bool, str | None]:
    """(ok, value) for the "anything else?" question: a plain NO is "nothing to add" (None)."""
    if not (text or "").strip():
        return False, None
    said_no = parse_yes_no(text, lang)
    if said_no.ok and said_no.value is False:
        return True, None
    return True, text.strip()


def _worth_screening(text: str) -> bool:
    """Unparseable replies of two or more words may describe a symptom ("cant breathe")."""
    words = [w for w in (text or "").split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2


def conversation_answer(*, checkpoint: Checkpoint, inbound, now: dt.datetime) -> Handled:
    """Take one reply for the current question of a locked, open SMS check."""
    checkpoint.last_activity_at = now
    _push_reminder(checkpoint, now)
    items = checklist_at(checkpoint)
    if items:
        from .checklist_answer import checklist_answer

        return checklist_answer(checkpoint=checkpoint, items=items, inbound=inbound, now=now)
    patient = checkpoint.enrollment.patient
    lang = language_of(patient)
    code = checkpoint.current_question
    text = inbound.body or ""
    safety = ""
    prefix = ""
    if QUESTIONS[code]["type"] == FREE_TEXT:
        ok, value = _free_text_value(text, lang)
        hint = render(msg.FREE_TEXT_HINT, lang)
    else:
        parsed, hint = _parse(code, text, lang)
        ok, value = parsed.ok, parsed.value
    if not ok:
        checkpoint.attempts += 1
        if _worth_screening(text):
            screened = screen_text(
                patient=patient,
                text=text,
                checkpoint=checkpoint,
                inbound=inbound,
                now=now,
            )
            safety = screened.safety
            if screened.stop:
                _save_state(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
        if checkpoint.attempts < MAX_TRIES:
            _save_state(checkpoint)
            # The question again after the hint: the patient may not have it on screen any more
            # (issue 18: "Sorry, we did not understand" alone left them guessing what was asked).
            reply = f"{render(msg.REPROMPT, lang, hint=hint)} {question_text(checkpoint, lang)}"
            _reply(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
            return Handled("survey_reprompt", checkpoint, safety, reply)
        answer_store(
            checkpoint,
            code,
            raw=text,
            value=None,
            status=AnswerStatus.UNANSWERED,
            inbound=inbound,
            now=now,
        )
        timeline_add(
            patient=patient,
            enrollment=checkpoint.enrollment,
            kind="question_unanswered",
            at=now,
            summary=f"{checkpoint.label}: {code} unanswered after {MAX_TRIES} tries",
            data={"checkpoint": checkpoint.pk, "question": code},
        )
        if code.startswith("RF_"):
            flag_unanswered_red_flag(checkpoint, code, text, inbound=inbound, now=now)
        prefix = render(msg.SKIPPED, lang)
        kind = "survey_unanswered"
    else:
        answer_store(
            checkpoint,
            code,
            raw=text,
            value=value,
            status=AnswerStatus.ANSWERED,
            inbound=inbound,
            now=now,
        )
        kind = "survey_answer"
        if code == BASELINE_CODE:
            Enrollment.objects.filter(
                pk=checkpoint.enrollment_id, baseline_pain__isnull=True
            ).update(baseline_pain=value)
        if code.startswith("RF_") and value is True:
            result = redflags_service().redflags_from_answers(checkpoint=checkpoint, now=now)
            safety = _join(safety, result.patient_reply or "")
            if result.stop_survey:
                _save_state(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
        if QUESTIONS[code]["type"] == FREE_TEXT and value:
            screened = screen_text(
                patient=patient,
                text=text,
                checkpoint=checkpoint,
                inbound=inbound,
                now=now,
            )
            safety = _join(safety, screened.safety)
            if screened.stop:
                _save_state(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
    checkpoint.current_index += 1
    checkpoint.attempts = 0
    skip_form_questions(checkpoint)
    if awaiting_answer(checkpoint):
        body = question_text(checkpoint, lang)
    else:
        body = finish_text_questions(checkpoint=checkpoint, now=now)
    _save_state(checkpoint)
    reply = f"{prefix} {body}".strip()
    _reply(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
    return Handled(kind, checkpoint, safety, reply)


def _join(first: str, second: str) -> str:
    return " ".join(part for part in (first, second) if part)


def _save_state(checkpoint: Checkpoint) -> None:
    checkpoint.save(
        update_fields=[
            "current_index",
            "attempts",
            "last_activity_at",
            "next_reminder_at",
            "status",
            "status_reason",
            "completed_at",
            "question_codes",
        ]
    )


def answer_store(
    checkpoint, code, *, raw: str, value, status: str, inbound, now: dt.datetime
) -> None:
    """Store a text's answer to ``code`` (an unanswered question keeps its failed tries)."""
    answer_write(
        checkpoint=checkpoint,
        code=code,
        raw=raw,
        value=value,
        status=status,
        attempts=checkpoint.attempts
        if status == AnswerStatus.UNANSWERED
        else checkpoint.attempts + 1,
        now=now,
        inbound_message_id=getattr(inbound, "pk", None),
    )


def _reply(*, inbound, patient, checkpoint, body: str, now: dt.datetime) -> None:
    """A reply inside a conversation the patient is answering: not unsolicited (FCC exemption)."""
    outbox_enqueue(
        key=reply_key(inbound.message_sid),
        channel="sms",
        to=inbound.from_number,
        sender=patient_sender(patient),
        body=body,
        purpose=OutboundPurpose.QUESTION,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=False,
        now=now,
    )


def _push_reminder(checkpoint: Checkpoint, now: dt.datetime) -> None:
    """A patient who is answering is not stalled: the next reminder waits a full spacing again."""
    if checkpoint.next_reminder_at is None:
        return
    from ..reminder_policy import reminder_policy

    _, spacing = reminder_policy(checkpoint)
    checkpoint.next_reminder_at = max(checkpoint.next_reminder_at, now + spacing)
