"""Where a check's conversation stands: its questions (by text or by web form), the current one, the outcome of a text (Handled)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Answer, AnswerStatus, Checkpoint
from ..questions import QUESTIONS, normalize_language, render_question

# Two failed tries on one question and it is recorded as unanswered (issue: staff see the gap).
MAX_TRIES = 2


WEB_FORM = "web_form"


FREE_TEXT = "free_text"


BASELINE_CODE = "PAIN_BASELINE"


STOPPED_REASON = "stopped: emergency answer, patient told to get help now"


WAITING_FOR_FORM = "waiting for web form"


# A reply to a check that closed this recently is a "late reply" to it (stored, shown to staff).
LATE_REPLY_DAYS = 14


@dataclass
class Handled:
    """What became of one inbound text."""

    kind: str
    checkpoint: Checkpoint | None = None
    # A safety instruction the caller must deliver now (TwiML, or the outbox when not in a webhook).
    safety: str = ""
    reply: str = ""


def language_of(patient) -> str:
    try:
        return normalize_language(patient.language)
    except ValueError:
        return "en"


def is_form_question(code: str) -> bool:
    return QUESTIONS.get(code, {}).get("type") == WEB_FORM


def sms_codes(checkpoint: Checkpoint) -> list[str]:
    """The questions asked by text, in order (web-form questions are collected by the form)."""
    return [code for code in checkpoint.question_codes if not is_form_question(code)]


def form_codes(checkpoint: Checkpoint) -> list[str]:
    return [code for code in checkpoint.question_codes if is_form_question(code)]


def _needs_baseline(checkpoint: Checkpoint) -> bool:
    """DOMAIN.md: a change figure needs a baseline; if staff entered none, the first survey asks."""
    enrollment = checkpoint.enrollment
    if enrollment.baseline_pain is not None or BASELINE_CODE in checkpoint.question_codes:
        return False
    if "PAIN_NOW" not in checkpoint.question_codes:
        return False
    return not Answer.objects.filter(
        checkpoint__enrollment=enrollment, question_code=BASELINE_CODE, status=AnswerStatus.ANSWERED
    ).exists()


def prepare_questions(checkpoint: Checkpoint) -> None:
    """Fix the check's question list at opening: insert the baseline question when needed.

    It goes right after the red flags, so screening still comes first.
    """
    if not _needs_baseline(checkpoint):
        return
    codes = list(checkpoint.question_codes)
    position = 0
    for index, code in enumerate(codes):
        if code.startswith("RF_"):
            position = index + 1
    codes.insert(position, BASELINE_CODE)
    checkpoint.question_codes = codes


def skip_form_questions(checkpoint: Checkpoint) -> None:
    """Move past the questions the web form asks (not asked by text)."""
    codes = checkpoint.question_codes
    while checkpoint.current_index < len(codes) and is_form_question(
        codes[checkpoint.current_index]
    ):
        checkpoint.current_index += 1


def question_text(checkpoint: Checkpoint, language: str) -> str:
    """The current question with its "(step/total)" prefix, counted over text questions only."""
    codes = sms_codes(checkpoint)
    code = checkpoint.current_question
    return render_question(code, language, step=codes.index(code) + 1, total=len(codes))


def awaiting_answer(checkpoint: Checkpoint) -> bool:
    code = checkpoint.current_question
    return code is not None and not is_form_question(code)


def form_pending(checkpoint: Checkpoint) -> bool:
    """True while the check has web-form questions that the form has not delivered yet."""
    codes = form_codes(checkpoint)
    if not codes:
        return False
    draft = getattr(checkpoint, "form_draft", None)
    if draft is not None and draft.submitted_at is not None:
        return False
    answered = set(
        Answer.objects.filter(checkpoint=checkpoint, question_code__in=codes).values_list(
            "question_code", flat=True
        )
    )
    return not set(codes) <= answered
