"""Answering a red-flag checklist: one reply answers every item of the list.

Each chosen number becomes the YES answer of its original ``RF_*`` question and every other item
a NO, through the same writer as a yes/no reply (``answer_store``), and the protocol's rules run
once over the check's answers (``redflags_from_answers``): the flags, tiers, escalations and the
patient's safety text are those the yes/no questions raised. A reply that is not understood is
re-asked; free text that comes instead is screened for symptoms as any unclear reply is; after
``MAX_TRIES`` the items are recorded as unanswered and a person is asked to call (DESIGN rule 5).
"""

from __future__ import annotations

import datetime as dt

from .. import messages as msg
from ..checklists import HINT, HINT_WHICH, parse_checklist_reply
from ..messages import render
from ..models import AnswerStatus, Checkpoint
from ..parsing import parse_yes_no
from ..timeline import timeline_add
from .answer_steps import (
    advance_and_reply,
    answer_store,
    join_texts,
    reprompt_send,
    survey_state_save,
    unanswered_store,
    worth_screening,
)
from .finishing import conversation_stop
from .red_flags import flag_unanswered_red_flag, redflags_service, screen_text
from .state import (
    MAX_TRIES,
    Handled,
    language_of,
    question_text,
)


def checklist_answer(
    *, checkpoint: Checkpoint, items: list[str], inbound, now: dt.datetime
) -> Handled:
    """Take one reply to the checklist ``items`` (the current question) of a locked SMS check."""

    patient = checkpoint.enrollment.patient
    lang = language_of(patient)
    text = inbound.body or ""
    parsed = parse_checklist_reply(text, len(items))
    safety = ""
    prefix = ""
    if not parsed.understood:
        checkpoint.attempts += 1
        if worth_screening(text):
            screened = screen_text(
                patient=patient, text=text, checkpoint=checkpoint, inbound=inbound, now=now
            )
            safety = screened.safety
            if screened.stop:
                survey_state_save(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
        if checkpoint.attempts < MAX_TRIES:
            survey_state_save(checkpoint)
            hint = HINT_WHICH[lang] if parse_yes_no(text, lang).value is True else HINT[lang]
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
        unanswered_store(checkpoint, items, raw=text, inbound=inbound, now=now)
        timeline_add(
            patient=patient,
            enrollment=checkpoint.enrollment,
            kind="question_unanswered",
            at=now,
            summary=f"{checkpoint.label}: red-flag checklist unanswered after {MAX_TRIES} tries",
            data={"checkpoint": checkpoint.pk, "questions": items},
        )
        flag_unanswered_red_flag(checkpoint, items, text, inbound=inbound, now=now)
        prefix = render(msg.SKIPPED, lang)
        kind = "survey_unanswered"
    else:
        chosen = {items[n - 1] for n in parsed.chosen}
        for code in items:
            answer_store(
                checkpoint,
                code,
                raw=text,
                value=code in chosen,
                status=AnswerStatus.ANSWERED,
                inbound=inbound,
                now=now,
            )
        kind = "survey_answer"
        if chosen:
            result = redflags_service().redflags_from_answers(checkpoint=checkpoint, now=now)
            safety = join_texts(safety, result.patient_reply or "")
            if result.stop_survey:
                survey_state_save(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
    return advance_and_reply(
        checkpoint,
        by=len(items),
        prefix=prefix,
        kind=kind,
        safety=safety,
        inbound=inbound,
        patient=patient,
        lang=lang,
        now=now,
    )
