"""Every SMS the survey engine can send: its length, encoding and segment count.

Run with ``-s`` to see the table. English texts must be GSM-7 (one stray curly quote would halve
the segment); the engine's own Spanish texts are GSM-7 too (worded around a, i, o, u with accents).
Spanish question texts keep their accents by the question bank's documented choice: they are
listed, not failed.
"""

from __future__ import annotations

import pytest

from followup import messages as msg
from followup.messages import render
from followup.parsing import CHOICE, NRS, YES_NO, reprompt_hint
from followup.protocol_data import PROTOCOLS
from followup.questions import QUESTIONS, render_question
from followup.safety import safety_reply
from notifications.sms_encoding import encoding, is_gsm7, non_gsm_chars, segments

CLINIC = "Austin Spine Center"  # a realistic, longish clinic name
PHONE = "+15125550100"
LINK = "https://followup.example.org/f/AbCdEfGhIjKlMnOpQrStUvWx/"
LANGS = ("en", "es")


def _hint(kind: str, lang: str) -> str:
    if kind == CHOICE:
        return reprompt_hint(CHOICE, lang, options=QUESTIONS["PGIC"]["options"])
    return reprompt_hint(kind, lang)


def engine_templates() -> list[tuple[str, str, str]]:
    """(name, language, rendered text) for every standalone text template of the engine."""
    rows = []
    for lang in LANGS:
        rows += [
            (
                "GREETING_SMS",
                lang,
                render(msg.GREETING_SMS, lang, clinic=CLINIC, label="3-month check"),
            ),
            ("SKIPPED", lang, render(msg.SKIPPED, lang)),
            ("THANKS_DONE", lang, render(msg.THANKS_DONE, lang)),
            (
                "HELP_REPLY",
                lang,
                render(msg.HELP_REPLY, lang, clinic=CLINIC, phone=PHONE, per_week="3"),
            ),
            ("STOP_CONFIRM", lang, render(msg.STOP_CONFIRM, lang, clinic=CLINIC)),
            ("START_CONFIRM", lang, render(msg.START_CONFIRM, lang, clinic=CLINIC)),
            ("ACK_TEXT", lang, render(msg.ACK_TEXT, lang, clinic=CLINIC)),
            (
                "ASK_SENDER",
                lang,
                render(
                    msg.ASK_SENDER,
                    lang,
                    choices=(
                        render(msg.ASK_SENDER_CHOICE, lang, number="1", initials="A.R.")
                        + ", "
                        + render(msg.ASK_SENDER_CHOICE, lang, number="2", initials="J.S.")
                        + "."
                    ),
                ),
            ),
            ("FREE_TEXT_HINT", lang, render(msg.FREE_TEXT_HINT, lang)),
        ]
        for kind in (YES_NO, NRS, CHOICE):
            rows.append(
                (f"REPROMPT/{kind}", lang, render(msg.REPROMPT, lang, hint=_hint(kind, lang)))
            )
        for tier in ("EMERGENCY", "URGENT"):
            rows.append(
                (f"SAFETY/{tier}", lang, safety_reply(tier=tier, language=lang, clinic_name=CLINIC))
            )
    rows.append(("NEUTRAL_UNKNOWN", "en+es", msg.NEUTRAL_UNKNOWN))
    return rows


def question_texts() -> list[tuple[str, str, str]]:
    rows = []
    for code, question in QUESTIONS.items():
        for lang in LANGS:
            link = LINK if question["type"] == "web_form" else None
            rows.append(
                (f"Q/{code}", lang, render_question(code, lang, step=12, total=16, link=link))
            )
    return rows


def composed_texts() -> list[tuple[str, str, str]]:
    """Texts built from two parts: the opening (greeting + question 1) of every protocol checkpoint,
    a reminder of the longest question, and the closing text with the form link."""
    rows = []
    for lang in LANGS:
        for code, protocol in PROTOCOLS.items():
            for check in protocol["checkpoints"]:
                first = check["questions"][0]
                total = len([c for c in check["questions"] if QUESTIONS[c]["type"] != "web_form"])
                greeting = render(msg.GREETING_SMS, lang, clinic=CLINIC, label=check["label"])
                rows.append(
                    (
                        f"OPEN/{code}/{check['key']}",
                        lang,
                        f"{greeting}\n{render_question(first, lang, step=1, total=total)}",
                    )
                )
        longest = max(
            (c for c in QUESTIONS if QUESTIONS[c]["type"] != "web_form"),
            key=lambda c: len(QUESTIONS[c]["text"][lang]),
        )
        rows.append(
            (
                "REMINDER/longest",
                lang,
                render(
                    msg.REMINDER_SMS,
                    lang,
                    clinic=CLINIC,
                    question=render_question(longest, lang, step=12, total=16),
                ),
            )
        )
        rows.append(
            (
                "THANKS_FORM",
                lang,
                render(msg.THANKS_FORM, lang, form=render_question("ODI", lang, link=LINK)),
            )
        )
    return rows


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = [f"{'template':<34} {'lang':<5} {'chars':>5} {'encoding':<6} {'segs':>4}"]
    for name, lang, text in rows:
        lines.append(f"{name:<34} {lang:<5} {len(text):>5} {encoding(text):<6} {segments(text):>4}")
    return "\n".join(lines)


def test_it_lists_every_template_with_length_and_encoding(capsys):
    rows = engine_templates() + question_texts() + composed_texts()
    listing = table(rows)
    print("\n" + listing)
    assert len(listing.splitlines()) == len(rows) + 1
    assert {name for name, _, _ in engine_templates()} >= {
        "GREETING_SMS",
        "HELP_REPLY",
        "STOP_CONFIRM",
        "START_CONFIRM",
        "NEUTRAL_UNKNOWN",
        "ASK_SENDER",
        "ACK_TEXT",
        "REPROMPT/nrs",
        "THANKS_DONE",
    }


@pytest.mark.parametrize(
    "name, lang, text", engine_templates(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_engine_texts_are_gsm7_and_fit_one_segment(name, lang, text):
    assert is_gsm7(text), f"{name}/{lang} forces UCS-2 because of {non_gsm_chars(text)}"
    assert len(text) <= 160, f"{name}/{lang} is {len(text)} characters"


@pytest.mark.parametrize(
    "name, lang, text",
    [r for r in question_texts() if r[1] == "en"],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_english_questions_are_gsm7_and_fit_one_segment(name, lang, text):
    assert is_gsm7(text), f"{name} forces UCS-2 because of {non_gsm_chars(text)}"
    if name != "Q/ODI":  # the link makes the form prompt longer; checked below
        assert segments(text) == 1, f"{name} is {len(text)} characters"


def test_composed_english_texts_stay_within_two_segments():
    for name, lang, text in composed_texts():
        if lang == "en":
            assert is_gsm7(text), name
            assert segments(text) <= 2, f"{name}: {len(text)} characters"


def test_composed_spanish_texts_stay_within_four_segments():
    # Spanish questions keep their accents (UCS-2, 67 characters a part): the price is listed above.
    for name, lang, text in composed_texts():
        if lang == "es":
            assert segments(text) <= 4, f"{name}: {len(text)} characters, {segments(text)} segments"


def test_no_template_has_typographic_quotes_or_dashes():
    for name, lang, text in engine_templates() + question_texts() + composed_texts():
        for ch in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0":
            assert ch not in text, f"{name}/{lang} contains {ch!r}"


def test_every_question_text_is_gsm7_and_one_segment_in_both_languages():
    from followup.questions import QUESTIONS, render_question
    from notifications.sms_encoding import encoding, segments

    link = "https://followup.example.org/f/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd/"
    for code, question in QUESTIONS.items():
        for lang in ("en", "es"):
            kwargs = {"link": link} if question["type"] == "web_form" else {}
            text = render_question(code, lang, step=12, total=20, **kwargs)
            assert encoding(text) == "GSM-7", (code, lang, text)
            assert segments(text) == 1, (code, lang, len(text), text)
