"""Answering the current question: parse, store, re-prompt or move on, screen free text."""

from __future__ import annotations

import datetime as dt

from .. import messages as msg
from ..messages import render
from ..models import AnswerStatus, Checkpoint, Enrollment
from ..questions import QUESTIONS
from ..timeline import timeline_add
from .answer_steps import (
    advance_and_reply,
    answer_parse,
    answer_store,
    free_text_value,
    join_texts,
    reprompt_send,
    survey_state_save,
    unanswered_store,
    worth_screening,
)
from .finishing import conversation_stop
from .red_flags import flag_unanswered_red_flag, redflags_service, screen_text
from .state import (
    BASELINE_CODE,
    FREE_TEXT,
    MAX_TRIES,
    Handled,
    checklist_at,
    language_of,
    question_text,
)


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
        ok, value = free_text_value(text, lang)
        hint = render(msg.FREE_TEXT_HINT, lang)
    else:
        parsed, hint = answer_parse(code, text, lang)
        ok, value = parsed.ok, parsed.value
    if not ok:
        checkpoint.attempts += 1
        if worth_screening(text):
            screened = screen_text(
                patient=patient,
                text=text,
                checkpoint=checkpoint,
                inbound=inbound,
                now=now,
            )
            safety = screened.safety
            if screened.stop:
                survey_state_save(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
        if checkpoint.attempts < MAX_TRIES:
            survey_state_save(checkpoint)
            reply = reprompt_send(
                inbound=inbound,
                patient=patient,
                checkpoint=checkpoint,
                lang=lang,
                hint=hint,
                question=question_text(checkpoint, lang),
                now=now,
            )
            return Handled("survey_reprompt", checkpoint, safety, reply)
        unanswered_store(checkpoint, [code], raw=text, inbound=inbound, now=now)
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
            safety = join_texts(safety, result.patient_reply or "")
            if result.stop_survey:
                survey_state_save(checkpoint)
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
            safety = join_texts(safety, screened.safety)
            if screened.stop:
                survey_state_save(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
    return advance_and_reply(
        checkpoint,
        by=1,
        prefix=prefix,
        kind=kind,
        safety=safety,
        inbound=inbound,
        patient=patient,
        lang=lang,
        now=now,
    )


def _push_reminder(checkpoint: Checkpoint, now: dt.datetime) -> None:
    """A patient who is answering is not stalled: the next reminder waits a full spacing again."""
    if checkpoint.next_reminder_at is None:
        return
    from ..reminder_policy import reminder_policy

    _, spacing = reminder_policy(checkpoint)
    checkpoint.next_reminder_at = max(checkpoint.next_reminder_at, now + spacing)
