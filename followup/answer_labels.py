"""Answers and scores in words for staff: "No", "a little better", "48.0 % (moderate), 8 of 10
sections; not answered: 4. Sleeping, 8. Sex life" instead of ``False``, ``a_little_better`` or a
Python dict. Staff pages are English; the patient's own words stay in the raw text beside it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .instruments.indexes import INDEXES
from .outcomes.format import number
from .questions import QUESTIONS

# The web form's answers are stored under codes of their own; the SMS wording of "ODI" carries
# the form's {link} placeholder, which must never reach a page.
_WEB_FORM_LABELS = {
    "ODI": "Oswestry Disability Index (web form)",
    "NDI": "Neck Disability Index (web form)",
    "VAS": "Pain today, 0-100 slider (web form)",
}


def question_label(code: str) -> str:
    """The English question as the patient saw it, without the reply instructions."""
    if code in _WEB_FORM_LABELS:
        return _WEB_FORM_LABELS[code]
    text = QUESTIONS.get(code, {}).get("text", {}).get("en", "")
    # The SMS reply instructions ("Reply YES or NO", "Reply 1 much better, ...") are for the
    # patient's keyboard, not for staff reading the answer.
    cut = text.find(" Reply ")
    if cut > 0:
        text = text[:cut]
    return text.strip() or code


def odi_summary(value: dict | None) -> str:
    """The ODI answer as staff read it: score (or why there is none), sections answered, gaps."""
    return index_summary("ODI", value)


def index_summary(code: str, value: dict | None) -> str:
    """An ODI or NDI answer (followup/instruments/indexes.py) in words, the same way."""
    if not isinstance(value, dict):
        return "not answered"
    index = INDEXES[code]
    answers = {key: value.get(key) for key in index.keys}
    missing = [key for key in index.keys if answers[key] is None]
    answered = len(index.keys) - len(missing)
    try:
        result = index.score(answers)
    except ValueError:
        result = None
    if result is None:
        head = (
            f"no score ({answered} of {len(index.keys)} sections answered, "
            f"fewer than {index.min_sections})"
        )
    else:
        head = (
            f"{number(result['percent'])} % ({result['band']}), "
            f"{answered} of {len(index.keys)} sections"
        )
    if missing:
        head += "; not answered: " + ", ".join(index.title(key, "en") for key in missing)
    return head


def answer_label(code: str, value: object) -> str:
    """One stored answer value in words, for the timeline and exports."""
    question = QUESTIONS.get(code, {})
    kind = question.get("type")
    if value is None:
        return "not answered"
    if code in INDEXES:
        return index_summary(code, value if isinstance(value, dict) else None)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "choice":
        for option in question.get("options", []):
            if option["value"] == value:
                return option["en"]
        return str(value).replace("_", " ")
    if kind == "nrs" and isinstance(value, int):
        return f"{value} / {question.get('max', 10)}"
    if code == "VAS" and isinstance(value, int):
        return f"{value} / 100"
    if isinstance(value, Decimal | float):
        return number(value)
    if isinstance(value, dict | list):
        # Never a Python repr on a staff page; the raw text beside it carries the detail.
        return "recorded"
    return str(value)


_FLAG_CODE = re.compile(r"\b(EMERGENCY|URGENT|ROUTINE) flag [A-Z][A-Z0-9_]*: ")
_CODE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, [*QUESTIONS, "VAS"]), key=len, reverse=True)) + r")\b"
)


def summary_in_words(summary: str) -> str:
    """A stored timeline line with internal codes put into words, for the staff page.

    The writers store "URGENT flag NUMB_TINGLE: New numbness ..." and "6 weeks: RF_WOUND
    unanswered after 2 tries"; the rule's reason already names it, and a question code reads
    as the question (whole upper-case words equal to a question code only).
    """
    text = _FLAG_CODE.sub(lambda m: f"{m.group(1)} flag: ", summary)

    return _CODE.sub(lambda match: f"\u201c{question_label(match.group(0))}\u201d", text)
