"""Issue 23 item 5: no SMS check over 6 questions; red flags asked as one numbered checklist.

Pure data and parsing: the checklist parser, its texts, the protocol validator, and the shape of
every shipped check (the conversation is in test_checklist_conversation.py).
"""

from __future__ import annotations

import copy

import pytest

from followup.checklists import (
    CHECKLIST_ITEMS,
    MAX_CHECKLIST_ITEMS,
    MAX_SMS_QUESTIONS,
    emergency_codes,
    parse_checklist_reply,
    render_checklist,
    sms_question_count,
    split_checklists,
)
from followup.instruments.burden import check_cost, check_texts, protocol_cost_by_language
from followup.instruments.indexes import swap_index
from followup.protocol_data import LUMBAR_PROCEDURES, PROTOCOLS, validate_protocol
from followup.questions import QUESTIONS
from notifications.sms_encoding import encoding
from tests.survey_helpers import BEFORE_ISSUE_23

# --- parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "chosen"),
    [
        ("2", (2,)),
        ("1 3", (1, 3)),
        ("1,3", (1, 3)),
        ("1, 3", (1, 3)),
        ("1.3", (1, 3)),
        ("3 and 1", (3, 1)),
        ("1 y 3", (1, 3)),
        ("  4  ", (4,)),
        ("2 2", (2,)),
        ("1;2;4", (1, 2, 4)),
        ("\u0662", (2,)),  # Arabic-Indic two
        ("\uff11 \uff13", (1, 3)),  # full-width one and three
        ("3\ufe0f\u20e3", (3,)),  # keycap emoji
    ],
)
def test_it_reads_the_chosen_numbers(reply, chosen):
    parsed = parse_checklist_reply(reply, 4)
    assert parsed.understood and parsed.chosen == chosen and not parsed.none


@pytest.mark.parametrize(
    "reply", ["0", "none", "None", "NO", "ninguno", "Ninguna", "nada", "none of these"]
)
def test_it_reads_none(reply):
    parsed = parse_checklist_reply(reply, 4)
    assert parsed.understood and parsed.none and parsed.chosen == ()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("0 2", "ambiguous"),  # none AND an item: never read as none
        ("no 2", "ambiguous"),
        ("5", "out_of_range"),
        ("1 5", "out_of_range"),
        ("13", "out_of_range"),  # not 1 and 3: never a guess
        ("-1", "unclear"),  # a minus, or a range "1-3": asked again
        ("1-3", "unclear"),
        ("", "empty"),
        ("   ", "empty"),
        ("yes", "unclear"),
        ("and", "unclear"),
        ("1 maybe", "unclear"),
        ("\U0001f44d", "empty"),
        ("I cannot feel my legs since this morning", "unclear"),
        ("no pero me duele mucho la pierna", "unclear"),
        ("took 2 pills at 8 and my leg is weak " * 20, "unclear"),  # a long text
    ],
)
def test_it_re_asks_what_it_cannot_read_for_sure(reply, reason):
    parsed = parse_checklist_reply(reply, 4)
    assert not parsed.understood and parsed.reason == reason
    assert parsed.chosen == () and not parsed.none


def test_a_checklist_has_items():
    with pytest.raises(ValueError):
        parse_checklist_reply("1", 0)


# --- texts --------------------------------------------------------------------------------------


def test_every_red_flag_question_has_a_checklist_label_in_both_languages():
    red_flags = [code for code, q in QUESTIONS.items() if code.startswith("RF_")]
    assert set(red_flags) == set(CHECKLIST_ITEMS)
    for labels in CHECKLIST_ITEMS.values():
        assert labels["en"].strip() and labels["es"].strip()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_list_is_gsm7_numbered_and_names_the_911_items(lang):
    rules = PROTOCOLS["ESI"]["red_flag_rules"]
    codes = ["RF_WEAKNESS", "RF_FEVER", "RF_WOUND"]
    text = render_checklist(codes, lang, emergency=emergency_codes(rules), step=1, total=5)
    assert encoding(text) == "GSM-7"
    lines = text.split("\n")
    assert lines[0].startswith("(1/5) ")
    assert lines[1].startswith("1 ") and lines[2].startswith("2 ") and lines[3].startswith("3 ")
    # Only the EMERGENCY item's number is in the 911 line: fever alone is URGENT.
    assert (
        lines[4]
        == {"en": "If you have 1 now, call 911.", "es": "Si tiene 1 ahora, llame al 911."}[lang]
    )


def test_a_list_of_emergency_items_only_says_any_of_these():
    text = render_checklist(
        ["RF_WEAKNESS", "RF_BLADDER_BOWEL"], "en", emergency={"RF_WEAKNESS", "RF_BLADDER_BOWEL"}
    )
    assert text.endswith("If you have any of these now, call 911.")


def test_a_list_without_emergency_items_has_no_911_line():
    assert "911" not in render_checklist(["RF_WOUND", "RF_FEVER"], "es")


def test_emergency_items_are_those_whose_yes_alone_is_an_emergency():
    found = emergency_codes(PROTOCOLS["ITDD"]["red_flag_rules"])
    assert {"RF_WEAKNESS", "RF_SOB_CHEST", "RF_ITDD_MOOD"} <= found
    # FEVER_MENINGISM needs fever AND a headache or stiff neck: fever alone is not an emergency.
    assert "RF_FEVER" not in found and "RF_STIFF_NECK_CONFUSION" not in found


def test_a_long_list_is_split_emergency_items_first():
    rules = PROTOCOLS["ITDD"]["red_flag_rules"]
    codes = [c for c in CHECKLIST_ITEMS if c.startswith("RF_ITDD")] + [
        "RF_FEVER",
        "RF_WEAKNESS",
        "RF_WOUND",
        "RF_NUMB_TINGLE",
        "RF_SOB_CHEST",
        "RF_HEADACHE_POSITIONAL",
        "RF_BLADDER_BOWEL",
    ]
    assert len(codes) > MAX_CHECKLIST_ITEMS
    first, second = split_checklists(codes, rules)
    emergency = emergency_codes(rules)
    assert set(first) <= emergency and not set(second) & emergency
    assert sorted(first + second) == sorted(codes)
    assert split_checklists(codes[:4], rules) == [
        [c for c in codes[:4] if c in emergency] + [c for c in codes[:4] if c not in emergency]
    ]


# --- shipped protocols --------------------------------------------------------------------------

CHECKS = [
    (code, check) for code, definition in PROTOCOLS.items() for check in definition["checkpoints"]
]


@pytest.mark.parametrize(("code", "check"), CHECKS, ids=[f"{c}-{k['key']}" for c, k in CHECKS])
def test_every_shipped_check_asks_at_most_six_questions_by_text(code, check):
    # Counting the baseline pain question the engine adds when staff entered none.
    assert sms_question_count(check) <= MAX_SMS_QUESTIONS
    assert not check_cost(check, "en").over_limit and not check_cost(check, "es").over_limit


@pytest.mark.parametrize(("code", "check"), CHECKS, ids=[f"{c}-{k['key']}" for c, k in CHECKS])
def test_every_red_flag_is_still_screened_by_text_in_a_checklist(code, check):
    red_flags = [c for c in check["questions"] if c.startswith("RF_")]
    listed = [c for items in check["sms_checklists"] for c in items]
    assert listed == red_flags  # every one, once, in question order
    assert not set(red_flags) & set(check.get("form_questions", []))
    emergency = emergency_codes(PROTOCOLS[code]["red_flag_rules"])
    # EMERGENCY items are in the first list, so they are asked in the first text.
    assert set(red_flags) & emergency <= set(check["sms_checklists"][0])


def test_every_check_screens_every_red_flag_it_screened_before_issue_23():
    # Safety must not drop: the rework regrouped the red flags into lists, it removed none. The
    # versions published before are kept as data (tests/data/protocols_before_issue23.json).
    for code, before in BEFORE_ISSUE_23.items():
        now = {c["key"]: c for c in PROTOCOLS[code]["checkpoints"]}
        assert set(now) == {c["key"] for c in before["checkpoints"]}
        for check in before["checkpoints"]:
            old = {q for q in check["questions"] if q.startswith("RF_")}
            new = {q for q in now[check["key"]]["questions"] if q.startswith("RF_")}
            assert new == old, (code, check["key"])
            # ...and every other question is still asked, by text or on the form.
            assert set(check["questions"]) <= set(now[check["key"]]["questions"])
        assert PROTOCOLS[code]["red_flag_rules"] == before["red_flag_rules"]


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_lumbar_procedures_ask_back_and_leg_pain_separately(code):
    for check in PROTOCOLS[code]["checkpoints"]:
        sms = [c for c in check["questions"] if c not in check.get("form_questions", [])]
        if code in LUMBAR_PROCEDURES and "PAIN_NOW" in sms:
            at = sms.index("PAIN_NOW")
            assert sms[at : at + 3] == ["PAIN_NOW", "PAIN_BACK", "PAIN_LEG"]
        else:
            assert "PAIN_BACK" not in sms and "PAIN_LEG" not in sms


def test_at_cervical_levels_back_and_leg_pain_are_left_out():
    codes = PROTOCOLS["ESI"]["checkpoints"][0]["questions"]
    cervical = swap_index(codes, "C6-C7")
    assert "PAIN_BACK" not in cervical and "PAIN_LEG" not in cervical and "NDI" in cervical
    assert swap_index(codes, "L4-L5") == codes


def test_secondary_items_go_on_the_web_form_with_average_pain_as_the_text_fallback():
    check = PROTOCOLS["VA"]["checkpoints"][2]  # m3
    assert check["key"] == "m3"
    assert set(check["form_questions"]) >= {"PAIN_AVG", "MEDS", "BH_MEDS", "BH_FALLS", "BH_DXA"}
    assert check["form_fallback"] == "PAIN_AVG"
    texts = check_texts(check, "en", rules=PROTOCOLS["VA"]["red_flag_rules"])
    assert not any("bone" in t for t in texts)  # BH_* are not texted any more
    assert texts[-1].startswith("Thank you. One last step: Please fill in a short form")


def test_the_whole_protocol_now_costs_fewer_texts():
    # Before issue 23 an ESI patient received 40 texts over the 4 checks (docs/instruments.md).
    totals = protocol_cost_by_language(PROTOCOLS["ESI"])
    assert totals["en"]["texts"] == 24 and totals["en"]["checks_over_limit"] == 0
    assert totals["es"]["ucs2_texts"] == 0


# --- the validator ------------------------------------------------------------------------------


def _esi() -> dict:
    return copy.deepcopy(PROTOCOLS["ESI"])


def test_the_validator_refuses_a_check_over_six_text_questions():
    definition = _esi()
    definition["checkpoints"][0]["sms_checklists"] = []
    problems = validate_protocol(definition)
    assert problems == [
        "ESI checkpoint d14: asks 15 questions by SMS (limit 6; a checklist counts once, the "
        "baseline pain question counts when it may be added): put red flags in sms_checklists "
        "and other items in form_questions"
    ]


def test_the_validator_counts_the_baseline_question_the_engine_may_add():
    definition = _esi()
    check = definition["checkpoints"][0]
    check["form_questions"].remove("PGIC7")  # 6 listed by text, 7 with the baseline
    assert sms_question_count(check, with_baseline=False) == 6
    assert any("asks 7 questions by SMS" in p for p in validate_protocol(definition))


def test_the_validator_refuses_a_red_flag_on_the_web_form():
    definition = _esi()
    definition["checkpoints"][1]["form_questions"].append("RF_WEAKNESS")
    assert (
        "ESI checkpoint m3: red-flag question RF_WEAKNESS cannot go on the web form"
        in validate_protocol(definition)
    )


@pytest.mark.parametrize(
    ("lists", "problem"),
    [
        ([["RF_WEAKNESS"], ["RF_WEAKNESS", "RF_BLADDER_BOWEL"]], "is listed twice"),
        ([["RF_BLADDER_BOWEL", "RF_WEAKNESS"]], "must be contiguous and in question order"),
        ([["RF_WEAKNESS", "RF_FEVER"]], "'RF_FEVER' is not in the questions"),
        ([["PAIN_NOW"]], "'PAIN_NOW' has no checklist label"),
        ([[]], "must be a list of non-empty lists"),
        ("RF_WEAKNESS", "must be a list of non-empty lists"),
    ],
)
def test_the_validator_refuses_a_malformed_checklist(lists, problem):
    definition = _esi()
    definition["checkpoints"][1]["sms_checklists"] = lists
    assert any(problem in p for p in validate_protocol(definition)), validate_protocol(definition)


def test_the_validator_refuses_a_fallback_a_text_cannot_ask():
    definition = _esi()
    definition["checkpoints"][1]["form_fallback"] = "ODI"
    assert any("form_fallback 'ODI'" in p for p in validate_protocol(definition))


def test_every_shipped_protocol_is_valid():
    assert {code: validate_protocol(d) for code, d in PROTOCOLS.items()} == {
        code: [] for code in PROTOCOLS
    }


# --- the inbound lane ---------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["1 3", "1, 3", "2 y 5", "1 and 3", "3 5 7", "1; 2"])
def test_a_reply_naming_several_checklist_items_waits_in_the_urgent_lane(body):
    from followup.conversation.lane import lane_read

    assert lane_read(body) == "urgent"


@pytest.mark.parametrize("body", ["0", "7", "10", "7/10", "7.5", "6,5"])
def test_a_single_number_or_a_decimal_stays_routine(body):
    from followup.conversation.lane import lane_read

    assert lane_read(body) == "routine"
