"""The conversation with a patient: the SMS survey engine and the routing of inbound texts.

- the survey engine (re-exported here): ``state`` (questions, where a check stands), ``opening``,
  ``incoming`` (which conversation a text belongs to), ``answering``, ``finishing``,
  ``red_flags`` (hand-off to screening) and ``delivery`` (a survey text that will not arrive);
- ``routing``: the routing order of a stored inbound text, keyword actions (STOP/START/HELP),
  unknown and opted-out numbers (settings.INBOUND_HANDLER);
- ``shared_phone``: "who is writing?" for a number shared by several patients;
- ``lane``: which queue an inbound text waits in (settings.INBOUND_LANE_CHOOSER).

``routing``, ``shared_phone`` and ``lane`` are not imported here: the transport reaches them
through the settings' dotted paths, and the red-flag service they use imports this package.

The survey engine: one open check is one conversation, one question per text.

State lives on the ``Checkpoint`` row (``question_codes``, ``current_index``, ``attempts``,
``last_activity_at``, ``next_reminder_at``) and every function here runs with that row locked
(``select_for_update``) inside the caller's transaction, so two texts arriving at once are
answered one after the other, never both against the same question.

Flow of a check sent by SMS:
- opening text: the clinic's name, how to stop, and question 1 (one message, so the greeting and
  the question cannot arrive out of order);
- each reply is parsed for the current question; a parsed answer is stored with its raw text and
  the next question goes out; an unclear reply gets a re-prompt that states the valid answers;
  after two failed tries the question is recorded as unanswered (staff see it) and the engine
  moves on;
- web-form questions (the ODI and its VAS slider) are not asked by text: after the last text
  question the patient gets a secure link, and the check completes when the form is sent;
- a YES to a red-flag question goes to red-flag screening at once; an EMERGENCY stops the survey
  (further questions only delay the patient) and only the safety instruction is sent.

Every patient-facing reply goes through the outbox (logged, retried, status-tracked). The red-flag
safety instruction is handed back to the caller in ``Handled.safety`` instead of being queued here:
the caller (``routing`` hands it to ``notifications.inbound``) sends it once per inbound text, even when one text raised
several flags or, from a shared number, screened for several patients.
"""

from .answering import answer_store, conversation_answer
from .delivery import SURVEY_PURPOSES, survey_delivery_failed
from .finishing import checkpoint_complete, conversation_stop, finish_text_questions, scores_record
from .incoming import conversation_for, conversation_inbound, patient_text_outside_check
from .opening import conversation_open, send_form_email
from .red_flags import Screened, redflags_service, screen_text
from .state import (
    BASELINE_CODE,
    FREE_TEXT,
    LATE_REPLY_DAYS,
    MAX_TRIES,
    STOPPED_REASON,
    WAITING_FOR_FORM,
    WEB_FORM,
    Handled,
    awaiting_answer,
    checklist_at,
    checklists_of,
    checkpoint_spec,
    form_codes,
    form_only_codes,
    form_pending,
    form_prompt,
    is_form_question,
    language_of,
    on_form,
    prepare_questions,
    question_text,
    skip_form_questions,
    sms_codes,
)

__all__ = [
    "BASELINE_CODE",
    "FREE_TEXT",
    "Handled",
    "LATE_REPLY_DAYS",
    "MAX_TRIES",
    "STOPPED_REASON",
    "SURVEY_PURPOSES",
    "Screened",
    "WAITING_FOR_FORM",
    "WEB_FORM",
    "answer_store",
    "awaiting_answer",
    "checkpoint_complete",
    "conversation_answer",
    "conversation_for",
    "conversation_inbound",
    "conversation_open",
    "conversation_stop",
    "finish_text_questions",
    "checklist_at",
    "checklists_of",
    "checkpoint_spec",
    "form_codes",
    "form_only_codes",
    "form_pending",
    "form_prompt",
    "is_form_question",
    "on_form",
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
