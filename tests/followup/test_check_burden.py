"""Texts and segments a patient receives per check and language (docs/instruments.md table)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from followup.instruments.burden import (
    MAX_SMS_QUESTIONS,
    SAMPLE_LINK,
    check_cost,
    check_texts,
    protocol_cost_by_language,
)
from followup.protocol_data import PROTOCOLS
from notifications.sms_encoding import segments

SHORT = {
    "key": "d14",
    "label": "2-week check",
    "questions": ["RF_FEVER", "PAIN_NOW", "ODI"],
}


def test_the_texts_follow_the_survey_order_greeting_questions_then_form_link():
    texts = check_texts(SHORT, "en")
    assert len(texts) == 3
    assert texts[0].startswith(
        "Austin Spine: time for your 2-week check. Reply STOP to opt out.\n(1/2) Do you have a fever"
    )
    assert texts[1].startswith("(2/2) How bad is your pain right now")
    assert (
        texts[2].startswith("Thank you. One last step: Please fill in a short form")
        and SAMPLE_LINK in texts[2]
    )


def test_a_check_without_a_form_ends_with_the_thanks():
    texts = check_texts({"key": "h48", "label": "48-hour check", "questions": ["RF_FEVER"]}, "es")
    assert texts[-1].startswith("Gracias. Sus respuestas llegaron")


def test_segments_follow_the_gsm7_rules():
    cost = check_cost(SHORT, "en")
    texts = check_texts(SHORT, "en")
    assert [len(t) for t in texts] == [154, 112, 148]  # each within one 160-septet segment
    assert cost.segments == 3 and cost.texts == 3 and cost.ucs2_texts == 0
    # One more character past 160 makes two 153-septet parts.
    assert segments(texts[0] + "x" * 7) == 2
    assert segments("\u00e1" + texts[1][:69]) == 1 and segments("\u00e1" + texts[1][:70]) == 2
    assert (cost.sms_questions, cost.form_questions) == (2, 1) and not cost.over_limit


def test_a_check_over_six_sms_questions_is_flagged():
    long = {
        **SHORT,
        "questions": [
            "RF_FEVER",
            "RF_WOUND",
            "RF_WEAKNESS",
            "RF_SOB_CHEST",
            "RF_BLADDER_BOWEL",
            "PAIN_NOW",
            "MEDS",
            "ODI",
        ],
    }
    cost = check_cost(long, "en")
    assert cost.sms_questions == 7 > MAX_SMS_QUESTIONS and cost.over_limit


def test_the_protocol_cost_per_language_is_the_sum_of_its_checks():
    totals = protocol_cost_by_language(PROTOCOLS["ESI"])
    rules = PROTOCOLS["ESI"]["red_flag_rules"]  # the checklists' 911 line names their items
    rows = [check_cost(c, "es", rules=rules) for c in PROTOCOLS["ESI"]["checkpoints"]]
    assert totals["es"]["texts"] == sum(r.texts for r in rows)
    assert totals["es"]["segments"] == sum(r.segments for r in rows)
    assert set(totals) == {"en", "es"}
    assert totals["es"]["segments"] >= totals["en"]["segments"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_shipped_protocols_send_no_ucs2_text(lang):
    # Spanish drops the four accents GSM-7 lacks (followup/questions.py sms_spelling).
    for definition in PROTOCOLS.values():
        assert protocol_cost_by_language(definition)[lang]["ucs2_texts"] == 0


def test_the_command_prints_the_table():
    out = io.StringIO()
    call_command("check_burden", stdout=out)
    text = out.getvalue()
    assert "| protocol | check | SMS questions (limit 6) |" in text
    # ESI: 24 texts over its 4 checks since issue 23 (40 when each red flag was its own text).
    assert "| ESI | m3 | 5 (+1) |" in text and "| ESI | 24 / 24 |" in text.replace("  ", " ")
    assert "**over**" not in text
