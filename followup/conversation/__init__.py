"""The conversation with a patient: the SMS survey engine and the routing of inbound texts.

- ``survey``: one open check is one conversation, one question per text (re-exported here);
- ``routing``: the routing order of a stored inbound text, keyword actions (STOP/START/HELP),
  unknown and opted-out numbers (settings.INBOUND_HANDLER);
- ``shared_phone``: "who is writing?" for a number shared by several patients;
- ``lane``: which queue an inbound text waits in (settings.INBOUND_LANE_CHOOSER).

``routing``, ``shared_phone`` and ``lane`` are not imported here: the transport reaches them
through the settings' dotted paths, and the red-flag service they use imports this package.
"""

from .survey import (
    BASELINE_CODE,
    FREE_TEXT,
    LATE_REPLY_DAYS,
    MAX_TRIES,
    STOPPED_REASON,
    SURVEY_PURPOSES,
    WAITING_FOR_FORM,
    WEB_FORM,
    Handled,
    Screened,
    answer_store,
    awaiting_answer,
    checkpoint_complete,
    conversation_answer,
    conversation_for,
    conversation_inbound,
    conversation_open,
    conversation_stop,
    finish_text_questions,
    form_codes,
    form_pending,
    is_form_question,
    language_of,
    patient_text_outside_check,
    prepare_questions,
    question_text,
    redflags_service,
    scores_record,
    screen_text,
    send_form_email,
    skip_form_questions,
    sms_codes,
    survey_delivery_failed,
)

__all__ = [
    "BASELINE_CODE",
    "FREE_TEXT",
    "LATE_REPLY_DAYS",
    "MAX_TRIES",
    "STOPPED_REASON",
    "SURVEY_PURPOSES",
    "WAITING_FOR_FORM",
    "WEB_FORM",
    "Handled",
    "Screened",
    "answer_store",
    "awaiting_answer",
    "checkpoint_complete",
    "conversation_answer",
    "conversation_for",
    "conversation_inbound",
    "conversation_open",
    "conversation_stop",
    "finish_text_questions",
    "form_codes",
    "form_pending",
    "is_form_question",
    "language_of",
    "patient_text_outside_check",
    "prepare_questions",
    "question_text",
    "redflags_service",
    "scores_record",
    "screen_text",
    "send_form_email",
    "skip_form_questions",
    "sms_codes",
    "survey_delivery_failed",
]
