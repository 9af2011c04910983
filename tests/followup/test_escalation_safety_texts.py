"""The patient's safety replies: wording, languages, GSM-7 and length (no database)."""

from __future__ import annotations

import pytest

from followup.safety import CRISIS_LINE, EMERGENCY_INSTRUCTION, LANGUAGES, URGENT, safety_reply
from notifications.sms_encoding import is_gsm7, non_gsm_chars, segments

CLINIC = "Austin Spine"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("tier", "crisis", "max_segments"),
    [("EMERGENCY", False, 1), ("EMERGENCY", True, 2), ("URGENT", False, 1)],
)
def test_every_reply_is_gsm7_and_as_short_as_it_can_be(language, tier, crisis, max_segments):
    text = safety_reply(tier=tier, language=language, clinic_name=CLINIC, crisis_line=crisis)
    assert is_gsm7(text), non_gsm_chars(text)
    assert segments(text) <= max_segments, (len(text), text)
    assert text.startswith(f"{CLINIC}: ")


def test_emergency_says_call_911_or_go_to_the_emergency_department():
    text = safety_reply(tier="EMERGENCY", language="en", clinic_name=CLINIC)
    assert "call 911 or go to the nearest emergency department now" in text
    assert "988" not in text


def test_self_harm_adds_the_988_lifeline_in_both_languages():
    en = safety_reply(tier="EMERGENCY", language="en", clinic_name=CLINIC, crisis_line=True)
    es = safety_reply(tier="EMERGENCY", language="es", clinic_name=CLINIC, crisis_line=True)
    assert "988 (Suicide & Crisis Lifeline)" in en and "911" in en
    assert "988" in es and "llame al 911" in es


def test_urgent_promises_a_call_today_and_911_if_worse():
    assert safety_reply(tier="URGENT", language="en", clinic_name=CLINIC).endswith(
        "The clinic will call you today. If it gets worse, call 911."
    )
    assert "Le llamaremos hoy" in safety_reply(tier="URGENT", language="es", clinic_name=CLINIC)


@pytest.mark.parametrize("tier", ["ROUTINE", None, "", "SEVERE"])
def test_routine_and_unknown_tiers_say_nothing(tier):
    assert safety_reply(tier=tier, language="en", clinic_name=CLINIC) == ""


@pytest.mark.parametrize("language", ["fr", "", None, "EN-us", "ES"])
def test_unknown_languages_fall_back_to_english_and_case_is_ignored(language):
    text = safety_reply(tier="URGENT", language=language, clinic_name=CLINIC)
    expected = URGENT["es"] if (language or "").lower().startswith("es") else URGENT["en"]
    assert text.endswith(expected)


def test_the_clinic_instruction_replaces_ours_and_is_made_gsm7():
    text = safety_reply(
        tier="EMERGENCY",
        language="en",
        clinic_name="St. David’s Spine",
        emergency_instruction="  Call 911 now — or go to St. David’s ER.  ",
    )
    assert is_gsm7(text)
    assert text.startswith("St. David's Spine: Call 911 now - or go to St. David's ER.")
    assert EMERGENCY_INSTRUCTION["en"] not in text


def test_a_blank_clinic_instruction_keeps_ours():
    text = safety_reply(
        tier="EMERGENCY", language="es", clinic_name=CLINIC, emergency_instruction="   "
    )
    assert EMERGENCY_INSTRUCTION["es"] in text


def test_the_texts_name_no_symptom():
    for table in (EMERGENCY_INSTRUCTION, CRISIS_LINE, URGENT):
        for text in table.values():
            for word in (
                "breath",
                "chest",
                "fever",
                "weak",
                "bladder",
                "infection",
                "aire",
                "fiebre",
            ):
                assert word not in text.lower()
