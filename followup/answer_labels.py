"""Answers and scores in words for staff: "No", "a little better", "48.0 % (moderate), 8 of 10
sections; not answered: 4. Sleeping, 8. Sex life" instead of ``False``, ``a_little_better`` or a
Python dict. Staff pages are English; the patient's own words stay in the raw text beside it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from .odi import ODI_SECTION_KEYS, odi_missing_sections, odi_score, odi_section_title
from .outcomes.format import number
from .questions import QUESTIONS

# The web form's answers are stored under codes of their own; the SMS wording of "ODI" carries
# the form's {link} placeholder, which must never reach a page.
_WEB_FORM_LABELS = {
    "ODI": "Oswestry Disability Index (web form)",
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
    if not isinstance(value, dict):
        return "not answered"
    answers = {key: value.get(key) for key in ODI_SECTION_KEYS}
    missing = odi_missing_sections(answers)
    answered = len(ODI_SECTION_KEYS) - len(missing)
    try:
        result = odi_score(answers)
    except ValueError:
        result = None
    if result is None:
        head = f"no score ({answered} of {len(ODI_SECTION_KEYS)} sections answered, fewer than 8)"
    else:
        head = (
            f"{number(result['percent'])} % ({result['band']}), "
            f"{answered} of {len(ODI_SECTION_KEYS)} sections"
        )
    if missing:
        head += "; not answered: " + ", ".join(odi_section_title(key) for key in missing)
    return head


def answer_label(code: str, value: object) -> str:
    """One stored answer value in words, for the timeline and exports."""
    question = QUESTIONS.get(code, {})
    kind = question.get("type")
    if value is None:
        return "not answered"
    if code == "ODI":
        return odi_summary(value if isinstance(value, dict) else None)
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
