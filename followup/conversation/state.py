"""Where a check's conversation stands: its questions (by text or by web form), the current one, the outcome of a text (Handled)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import messages as msg
from ..checklists import emergency_codes, render_checklist
from ..messages import render
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


def checkpoint_spec(checkpoint: Checkpoint) -> dict:
    """The checkpoint's definition in the protocol version its enrollment is pinned to."""
    cached = getattr(checkpoint, "_spec_cache", None)
    if cached is None:
        specs = checkpoint.enrollment.protocol.checkpoints
        cached = next((s for s in specs if s.get("key") == checkpoint.key), {})
        checkpoint._spec_cache = cached
    return cached


def form_only_codes(checkpoint: Checkpoint) -> set[str]:
    """Questions this check asks on the web form even when it goes by text (issue 23: at most 6
    questions by SMS; versions published before have none)."""
    return set(checkpoint_spec(checkpoint).get("form_questions") or ())


def on_form(checkpoint: Checkpoint, code: str) -> bool:
    return is_form_question(code) or code in form_only_codes(checkpoint)


def checklists_of(checkpoint: Checkpoint) -> list[list[str]]:
    """The check's red-flag checklists (``followup.checklists``), each asked in one text."""
    return [list(items) for items in checkpoint_spec(checkpoint).get("sms_checklists") or ()]


def checklist_at(checkpoint: Checkpoint) -> list[str] | None:
    """The checklist the current question opens, if it opens one."""
    code = checkpoint.current_question
    for items in checklists_of(checkpoint):
        if items and items[0] == code:
            return items
    return None


def sms_codes(checkpoint: Checkpoint) -> list[str]:
    """The questions asked by text, in order (web-form questions are collected by the form); a
    checklist counts once, by its first item."""
    later_items = {code for items in checklists_of(checkpoint) for code in items[1:]}
    return [
        code
        for code in checkpoint.question_codes
        if not on_form(checkpoint, code) and code not in later_items
    ]


def form_codes(checkpoint: Checkpoint) -> list[str]:
    """The questions the web form collects; the disability index (ODI/NDI) first, as the form
    link's wording names it."""
    codes = [code for code in checkpoint.question_codes if on_form(checkpoint, code)]
    return sorted(codes, key=lambda code: not is_form_question(code))


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
    while checkpoint.current_index < len(codes) and on_form(
        checkpoint, codes[checkpoint.current_index]
    ):
        checkpoint.current_index += 1


def question_text(checkpoint: Checkpoint, language: str) -> str:
    """The current question with its "(step/total)" prefix, counted over text questions only."""
    codes = sms_codes(checkpoint)
    code = checkpoint.current_question
    step, total = codes.index(code) + 1, len(codes)
    items = checklist_at(checkpoint)
    if items:
        rules = checkpoint.enrollment.protocol.red_flag_rules
        return render_checklist(
            items, language, emergency=emergency_codes(rules), step=step, total=total
        )
    return render_question(code, language, step=step, total=total)


def form_prompt(checkpoint: Checkpoint, language: str, *, link: str) -> str:
    """The text that sends the web-form link: the index's own wording when the form has one."""
    codes = form_codes(checkpoint)
    if codes and is_form_question(codes[0]):
        return render_question(codes[0], language, link=link)
    return render(msg.FORM_SHORT, language, link=link)


def awaiting_answer(checkpoint: Checkpoint) -> bool:
    code = checkpoint.current_question
    return code is not None and not on_form(checkpoint, code)


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
