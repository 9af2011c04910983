"""The concept engine's behaviour (issue 21): assertion in the ConText tradition, tier rules with
procedure, days and patient facts, uncertainty, the safety screen, bad input.

Pure Python (``pytest -p no:django --noconftest tests/followup/test_screening_engine.py``).
"""

from __future__ import annotations

import pytest

from followup.screening import EMERGENCY, ROUTINE, URGENT, Screening, engine, screen_text
from followup.screening.safety_screen import (
    parse_safety_screen_reply,
    safety_screen_message,
)
from notifications.sms_encoding import is_gsm7


def tier_of(text: str, procedure: str | None = None, **kw) -> str:
    return screen_text(text, procedure=procedure, **kw).tier or "NONE"


@pytest.mark.parametrize(
    "text",
    [
        "headache: none",
        "fever - no, chills - no",
        "chest pain? nope",
        "not one fever since I got home",
        "not a single headache this week",
        "zero fever",
        "ni una sola fiebre",
        "dolor de cabeza: ninguno",
        "the chills stopped on Tuesday",
        "los escalofrios se me quitaron el martes",
        "what should I do if I get a fever?",
        "que hago si me da fiebre?",
        "my son has a cold and a fever, can he come with me?",
        "I'm not short of breath at all",
    ],
)
def test_it_reads_denials_resolution_hypotheticals_and_others_as_no_flag(text):
    assert tier_of(text, "ESI") in ("NONE", ROUTINE), text


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("no pain has ever been this bad, my chest is crushing", EMERGENCY),
        ("ningun dolor de cabeza ha sido tan fuerte como este", EMERGENCY),
        ("not only is my back sore but my legs are going weak", EMERGENCY),
        ("the chills stopped Tuesday but they came back tonight", URGENT),
        ("do I need to come back if my incision is red?", URGENT),
        ("should I come in? I lost control of my bowels this morning", EMERGENCY),
        ("my father says he can't feel his feet", EMERGENCY),
        ("mi papa dice que no siente los pies", EMERGENCY),
        ("no fever and my legs are weak", EMERGENCY),
        ("not really, chest pain", EMERGENCY),
        ("not much, but chest pain", EMERGENCY),
        ("no tanto, dolor de pecho", EMERGENCY),
        ("feels like breathing through a straw", EMERGENCY),
        ("shortnes of breth getting worse", EMERGENCY),
    ],
)
def test_it_keeps_what_only_looks_like_a_denial(text, tier):
    assert tier_of(text, "ESI") == tier, text


@pytest.mark.parametrize(
    "text",
    [
        "I don't see the point anymore, everyone would be better off without me",
        "ya no quiero vivir",
        "I've been saving up my pills",
    ],
)
def test_indirect_self_harm_is_an_emergency_with_the_crisis_line(text):
    result = screen_text(text)
    assert result.tier == EMERGENCY
    assert any(m.crisis_line for m in result.matches)


def test_compounds_and_procedures_decide_the_tier():
    assert tier_of("fever of 101 and a stiff neck") == EMERGENCY
    assert tier_of("fever of 101") == URGENT
    assert tier_of("itchy and sweaty with a fever since the refill", "ITDD") == EMERGENCY
    assert tier_of("pain in my side and I get dizzy", "VA", days_since=2) == EMERGENCY
    _doc, mentions, facts = engine.read("pain in my side and I get dizzy")
    late = engine.decide(mentions, facts, "VA", 60)
    assert "VA_FLANK_DIZZY" not in {o.code for o in late}
    assert tier_of("sudden severe back pain and my legs feel heavy", "FACET_SI") == EMERGENCY


def test_it_gives_a_reason_a_clinician_can_read_and_evidence_from_the_text():
    text = "Hi! Pain is better. Since last night I get WINDED walking to the bathroom."
    result = screen_text(text, procedure="VA")
    assert result.tier == EMERGENCY
    top = result.matches[0]
    assert top.evidence and top.evidence in text
    assert "source" in top.reason and "shortness of breath" in top.reason


def test_it_tolerates_one_typo_but_not_in_short_words():
    assert tier_of("shortnes of breth") == EMERGENCY
    # "never" is one letter from "fever" but a common word; "fevr" is a typo.
    assert tier_of("never better, thanks") == "NONE"
    assert tier_of("fevr since last night") == URGENT


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😀😀😀",
        "🤒" * 1600,
        "a" * 1600,
        ("I feel fine and the dog is good. " * 60)[:1600],
        "tengo fiebre and my chest hurts",
        "Привет, у меня болит голова",
        "我头痛",
        "مرحبا",
        "\x00\ud800",
    ],
)
def test_bad_input_gets_a_clear_answer_never_an_exception(text):
    result = screen_text(text)
    assert isinstance(result, Screening)
    assert result.tier in (None, ROUTINE, URGENT, EMERGENCY)
    assert isinstance(result.needs_safety_screen, bool)


def test_mixed_languages_are_both_read():
    assert tier_of("tengo fiebre and my chest hurts") == EMERGENCY


def test_an_unclassified_body_complaint_asks_for_the_safety_screen():
    result = screen_text("my knee feels odd and my bladder feels weird")
    assert result.tier != EMERGENCY and result.needs_safety_screen and result.uncertain
    assert not screen_text("thanks, see you Tuesday").needs_safety_screen
    assert not screen_text("cant breathe").needs_safety_screen  # already an EMERGENCY


# ---------------------------------------------------------------------------------------------
# The structured safety screen (pure part; the conversation wires it).


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("procedure", ["VA", "ITDD", "ESI", None, "NOPE"])
def test_the_safety_screen_lists_the_emergency_symptoms_in_gsm7(procedure, language):
    screen = safety_screen_message(procedure, language)
    assert is_gsm7(screen.text)
    lines = screen.text.splitlines()
    assert len(lines) == len(screen.options) + 2
    assert lines[-1].startswith("0 ")
    assert {"DYSPNOEA", "WEAKNESS", "CAUDA_EQUINA", "SELF_HARM"} <= set(screen.options)
    for n, line in enumerate(lines[1:-1], start=1):
        assert line.startswith(f"{n} ")


def test_the_pump_screen_adds_pump_emergencies():
    assert "PUMP_OVERDOSE" in safety_screen_message("ITDD", "en").options
    assert "PUMP_OVERDOSE" not in safety_screen_message("ESI", "en").options
    assert safety_screen_message("VA", "es").text.startswith("Por su seguridad")


@pytest.mark.parametrize(
    ("reply", "chosen", "none", "understood"),
    [
        ("2", (2,), False, True),
        ("2 and 4", (2, 4), False, True),
        ("2,4", (2, 4), False, True),
        ("yes the second", (2,), False, True),
        ("la tercera", (3,), False, True),
        ("none", (), True, True),
        ("None of these", (), True, True),
        ("ninguno", (), True, True),
        ("0", (), True, True),
        ("no", (), True, True),
        ("none... well maybe 3", (3,), False, True),
        ("99", (), False, False),
        ("what?", (), False, False),
        ("", (), False, False),
        ("🤷", (), False, False),
    ],
)
def test_it_parses_safety_screen_replies(reply, chosen, none, understood):
    screen = safety_screen_message("VA", "en")
    parsed = parse_safety_screen_reply(reply, screen)
    assert parsed.chosen == tuple(screen.options[n - 1] for n in chosen)
    assert parsed.none is none and parsed.understood is understood
    assert parsed.emergency is bool(chosen)


# ---------------------------------------------------------------------------------------------
# What the engine took over from the retired phrase rules (issue 21 item 7).


@pytest.mark.parametrize(
    ("text", "procedure", "tier"),
    [
        # Numbness the procedure is expected to leave is a note, not new numbness...
        ("still numb from the shot this morning", "ESI", ROUTINE),
        ("my skin is numb where they did the RF", "FACET_SI", ROUTINE),
        # ... but with no procedure known nothing yields: the safe default.
        ("still numb from the shot this morning", None, URGENT),
        ("my legs are numb", "ESI", URGENT),
    ],
)
def test_expected_numbness_yields_only_when_the_procedure_is_known(text, procedure, tier):
    assert tier_of(text, procedure) == tier


def test_a_plain_complaint_is_no_second_flag_beside_a_named_finding():
    result = screen_text("my neck is stiff and im confused", procedure="ESI")
    assert result.tier == EMERGENCY
    assert "UNCLASSIFIED_SYMPTOM" not in {m.code for m in result.matches}
    alone = screen_text("my knee hurts", procedure="ESI")
    assert [m.code for m in alone.matches] == ["UNCLASSIFIED_SYMPTOM"]


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("pain is down to a 2, much better", None),
        ("Pain free today!", None),
        ("the swelling went down", None),
        ("my incision looks good", None),
        ("the pump refill went fine", None),
        # A red flag that got better still happened.
        ("the chest pain is better now", EMERGENCY),
        ("my legs are weak but better than yesterday", EMERGENCY),
    ],
)
def test_better_or_fine_sets_aside_only_plain_complaints(text, tier):
    result = screen_text(text, procedure="VA")
    assert result.tier == tier, result
    if tier is None:
        assert not result.needs_safety_screen and not result.needs_human


def test_a_body_part_named_counts_only_when_nothing_else_is_said_in_its_sentence():
    assert tier_of("my bladder feels full and tight", "ESI") == ROUTINE
    assert screen_text("my bladder feels full and tight", procedure="ESI").needs_safety_screen
    assert tier_of("my leg is not numb", "ESI") == "NONE"
    # The last net never stands between a cue and its symptom.
    assert tier_of("the pain in my legs is gone and I can walk fine now", "ESI") == "NONE"


def test_a_red_flag_of_another_procedure_still_reaches_a_human():
    result = screen_text("so sleepy today", procedure="ESI")
    assert result.tier == ROUTINE and result.needs_human
    assert [m.code for m in result.matches] == ["UNCLASSIFIED_SYMPTOM"]
    assert "not a red flag after ESI" in result.matches[0].reason
    assert tier_of("so sleepy today", "ITDD") == EMERGENCY


def test_emoji_are_words():
    assert tier_of("🤒🤒", "ESI") == URGENT
    assert screen_text("🤒").matches[0].evidence == "🤒"
    assert tier_of("😀👍", "ESI") == "NONE"


@pytest.mark.parametrize(
    ("text", "procedure", "tier"),
    [
        ("headache when I sit up", "ESI", URGENT),
        ("my back hurts when I sit up", "ESI", ROUTINE),  # a posture alone is no headache
        ("my head is killing me, it came on all of a sudden", "ESI", EMERGENCY),
        ("fever and my neck hurts", "ESI", EMERGENCY),
        ("my neck hurts", "ESI", ROUTINE),
        ("trouble peeing", "ITDD", URGENT),
        ("trouble peeing", "LYSIS", EMERGENCY),
        ("back pain is way worse than before the procedure", "DISC", URGENT),
        ("back pain is way worse than before the procedure", "ESI", ROUTINE),
        ("can't get an erection since the procedure", "LYSIS", EMERGENCY),
        ("my charger won't connect", "SCS", ROUTINE),
        ("he had a seizure this morning", "ESI", EMERGENCY),
        ("she is unresponsive", "VA", EMERGENCY),
    ],
)
def test_compounds_ported_from_the_phrase_rules(text, procedure, tier):
    assert tier_of(text, procedure) == tier


@pytest.mark.parametrize(
    "text",
    [
        "sorry wrong number",  # "number" is no typo of "numbed"
        "I had an accident in the car last year",
        "I have a sinus infection, can I still come Tuesday?",
        "my phone battery is dead",
        "I tried to call yesterday",
        "I'm so sick of these texts lol",
        "no headaches since the blood patch",
    ],
)
def test_common_words_and_exclusions_are_no_red_flag(text):
    result = screen_text(text, procedure="ESI")
    assert result.tier in (None, ROUTINE), result
    assert not any(m.tier in (URGENT, EMERGENCY) for m in result.matches)


def test_the_shot_not_helping_is_no_wound_problem():
    result = screen_text("the injection didn't help at all", procedure="FACET_SI")
    assert result.tier == ROUTINE and {m.code for m in result.matches} == {"PAIN_WORSE"}
