"""What a check costs the patient: texts and SMS segments per check and language.

Computed from the protocol data, the question bank and the message templates, with the GSM-7 /
UCS-2 segment rules of ``notifications/sms_encoding.py``, for a patient who answers every question
first time (re-prompts and reminders come on top). The texts, in the order the survey engine
sends them: the greeting with question 1, one text per further SMS question, then either the
web-form link ("One last step") or the closing thanks.

``protocol_cost_by_language`` is the selector for whoever edits a protocol (the protocol admin):
it takes a definition, published or not, so an edit can show its cost before it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.checklists import (
    MAX_SMS_QUESTIONS,
    check_sms_codes,
    emergency_codes,
    render_checklist,
    sms_question_count,
)
from followup.messages import FORM_SHORT, GREETING_SMS, THANKS_DONE, THANKS_FORM, render
from followup.questions import QUESTIONS, SUPPORTED_LANGUAGES, render_question
from notifications.sms_encoding import encoding, segments

__all__ = [
    "MAX_SMS_QUESTIONS",
    "CheckCost",
    "burden_html",
    "burden_markdown",
    "check_cost",
    "check_texts",
    "protocol_cost_by_language",
    "protocol_costs",
]
# A form link as the survey engine builds it: PUBLIC_BASE_URL + /f/ + a 24-character token + /.
SAMPLE_LINK = "https://clinic.example.org/f/" + "x" * 24 + "/"
SAMPLE_CLINIC = "Austin Spine"


@dataclass(frozen=True)
class CheckCost:
    key: str
    label: str
    language: str
    sms_questions: int
    form_questions: int
    texts: int
    segments: int
    ucs2_texts: int  # texts sent in UCS-2 (an accent or symbol outside GSM-7)
    # The engine adds the baseline pain question once per enrollment when staff entered none.
    may_add_baseline: bool = False

    @property
    def over_limit(self) -> bool:
        return self.sms_questions + int(self.may_add_baseline) > MAX_SMS_QUESTIONS


def _form_codes(check: dict) -> list[str]:
    """The web form's questions: the disability index (ODI/NDI) first, as the link names it."""
    form_only = set(check.get("form_questions") or ())
    codes = [
        c
        for c in check.get("questions", [])
        if c in QUESTIONS and (QUESTIONS[c]["type"] == "web_form" or c in form_only)
    ]
    return sorted(codes, key=lambda c: QUESTIONS[c]["type"] != "web_form")


def check_texts(
    check: dict,
    language: str,
    *,
    clinic: str = SAMPLE_CLINIC,
    link: str = SAMPLE_LINK,
    rules: list[dict] | None = None,
) -> list[str]:
    """The bodies a patient receives for one check answered in full by text (``rules``: the
    protocol's red-flag rules, for the checklists' 911 line)."""
    sms = check_sms_codes(check)
    forms = _form_codes(check)
    lists = {items[0]: items for items in check.get("sms_checklists") or () if items}
    emergency = emergency_codes(rules or [])
    greeting = render(GREETING_SMS, language, clinic=clinic, label=check.get("label", ""))
    bodies: list[str] = []
    for step, code in enumerate(sms, start=1):
        if code in lists:
            text = render_checklist(
                lists[code], language, emergency=emergency, step=step, total=len(sms)
            )
        else:
            text = render_question(code, language, step=step, total=len(sms))
        bodies.append(f"{greeting}\n{text}" if step == 1 else text)
    if forms:
        if QUESTIONS[forms[0]]["type"] == "web_form":
            form = render_question(forms[0], language, link=link)
        else:
            form = render(FORM_SHORT, language, link=link)
        bodies.append(render(THANKS_FORM, language, form=form) if sms else f"{greeting}\n{form}")
    else:
        bodies.append(render(THANKS_DONE, language))
    return bodies


def check_cost(check: dict, language: str, *, rules: list[dict] | None = None) -> CheckCost:
    bodies = check_texts(check, language, rules=rules)
    return CheckCost(
        key=check.get("key", ""),
        label=check.get("label", ""),
        language=language,
        sms_questions=len(check_sms_codes(check)),
        form_questions=len(_form_codes(check)),
        texts=len(bodies),
        segments=sum(segments(b) for b in bodies),
        ucs2_texts=sum(1 for b in bodies if encoding(b) == "UCS-2"),
        may_add_baseline=sms_question_count(check) > len(check_sms_codes(check)),
    )


def protocol_costs(definition: dict) -> list[CheckCost]:
    """One row per check and language, in protocol order."""
    rules = definition.get("red_flag_rules", [])
    return [
        check_cost(check, lang, rules=rules)
        for check in definition.get("checkpoints", [])
        for lang in SUPPORTED_LANGUAGES
    ]


def protocol_cost_by_language(definition: dict) -> dict[str, dict[str, int]]:
    """Totals over the whole protocol per language: texts, segments, UCS-2 texts, and the number
    of checks asking more than MAX_SMS_QUESTIONS by text."""
    out: dict[str, dict[str, int]] = {}
    for row in protocol_costs(definition):
        total = out.setdefault(
            row.language, {"texts": 0, "segments": 0, "ucs2_texts": 0, "checks_over_limit": 0}
        )
        total["texts"] += row.texts
        total["segments"] += row.segments
        total["ucs2_texts"] += row.ucs2_texts
        total["checks_over_limit"] += int(row.over_limit)
    return out


def burden_markdown(protocols: dict[str, dict]) -> str:
    """The per-protocol table for docs/instruments.md."""
    lines = [
        "| protocol | check | SMS questions (limit 6) | form | texts en / es | segments en / es "
        "| UCS-2 texts es |",
        "|---|---|---|---|---|---|---|",
    ]
    for code, definition in protocols.items():
        rules = definition.get("red_flag_rules", [])
        for check in definition.get("checkpoints", []):
            en, es = check_cost(check, "en", rules=rules), check_cost(check, "es", rules=rules)
            over = " **over**" if en.over_limit else ""
            baseline = " (+1)" if en.may_add_baseline else ""
            lines.append(
                f"| {code} | {en.key} | {en.sms_questions}{baseline}{over} | {en.form_questions} | "
                f"{en.texts} / {es.texts} | {en.segments} / {es.segments} | {es.ucs2_texts} |"
            )
    return "\n".join(lines)


def burden_html(definition: dict) -> str:
    """The protocol admin's read-only cost field: the totals per language, then per check."""
    from django.utils.html import format_html, format_html_join

    totals = protocol_cost_by_language(definition)
    per_language = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (lang, t["texts"], t["segments"], t["ucs2_texts"], t["checks_over_limit"])
            for lang, t in totals.items()
        ),
    )
    per_check = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row.key,
                row.language,
                row.sms_questions,
                " + baseline" if row.may_add_baseline else "",
                row.form_questions,
                row.texts,
                row.segments,
            )
            for row in protocol_costs(definition)
        ),
    )
    return format_html(
        '<table class="sms-cost"><thead><tr><th>language</th><th>texts</th>'
        "<th>segments</th><th>UCS-2 texts</th><th>checks over {} SMS questions</th>"
        "</tr></thead><tbody>{}</tbody></table>"
        '<table class="sms-cost-checks"><thead><tr><th>check</th><th>language</th>'
        "<th>SMS questions</th><th>form questions</th><th>texts</th><th>segments</th>"
        "</tr></thead><tbody>{}</tbody></table>",
        MAX_SMS_QUESTIONS,
        per_language,
        per_check,
    )
