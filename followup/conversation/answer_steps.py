"""The small steps every text answer takes, whichever question it answers: parse it, store it,
save the survey's place, reply in the conversation. Shared by the one-question-per-text engine
(``answering``), the red-flag checklists (``checklist_answer``) and the web-form fallback
(``form_fallback``), so none of them imports another."""

from __future__ import annotations

import datetime as dt

from notifications.inbound import reply_key
from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..answers import answer_write
from ..messages import render
from ..models import AnswerStatus, Checkpoint
from ..parsing import CHOICE, NRS, YES_NO, parse_choice, parse_nrs, parse_yes_no, reprompt_hint
from ..questions import QUESTIONS
from .finishing import finish_text_questions
from .state import Handled, awaiting_answer, question_text, skip_form_questions


def answer_parse(code: str, text: str, lang: str):
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


def free_text_value(text: str, lang: str) -> tuple[bool, str | None]:
    """(ok, value) for the "anything else?" question: a plain NO is "nothing to add" (None)."""
    if not (text or "").strip():
        return False, None
    said_no = parse_yes_no(text, lang)
    if said_no.ok and said_no.value is False:
        return True, None
    return True, text.strip()


def worth_screening(text: str) -> bool:
    """Unparseable replies of two or more words may describe a symptom ("cant breathe")."""
    words = [w for w in (text or "").split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2


def join_texts(first: str, second: str) -> str:
    return " ".join(part for part in (first, second) if part)


def survey_state_save(checkpoint: Checkpoint) -> None:
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


def reply_send(*, inbound, patient, checkpoint, body: str, now: dt.datetime) -> None:
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


def unanswered_store(checkpoint, codes, *, raw: str, inbound, now: dt.datetime) -> None:
    """Record ``codes`` as unanswered after the last try (each keeps the text that failed)."""
    for code in codes:
        answer_store(
            checkpoint,
            code,
            raw=raw,
            value=None,
            status=AnswerStatus.UNANSWERED,
            inbound=inbound,
            now=now,
        )


def reprompt_send(
    *, inbound, patient, checkpoint, lang: str, hint: str, question: str, now: dt.datetime
) -> str:
    """ "Sorry, we did not understand" with the hint, then the question again: the patient may not
    have it on screen any more (issue 18: the apology alone left them guessing what was asked)."""
    reply = f"{render(msg.REPROMPT, lang, hint=hint)} {question}"
    reply_send(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
    return reply


def advance_and_reply(
    checkpoint,
    *,
    by: int,
    prefix: str,
    kind: str,
    safety: str,
    inbound,
    patient,
    lang: str,
    now: dt.datetime,
) -> Handled:
    """Move ``by`` questions on (past the form's), then send the next question or the closing
    text, after ``prefix`` (a skip notice or nothing): the end of every answered text question."""
    checkpoint.current_index += by
    checkpoint.attempts = 0
    skip_form_questions(checkpoint)
    if awaiting_answer(checkpoint):
        body = question_text(checkpoint, lang)
    else:
        body = finish_text_questions(checkpoint=checkpoint, now=now)
    survey_state_save(checkpoint)
    reply = f"{prefix} {body}".strip()
    reply_send(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
    return Handled(kind, checkpoint, safety, reply)
