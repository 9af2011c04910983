"""Procedure protocols, red-flag rules and the question bank, checked against DOMAIN.md."""

import copy
import json
import re

import pytest

from followup.protocol_data import (
    LUMBAR_PROCEDURES,
    PROTOCOLS,
    TIER_ORDER,
    asked_questions,
    evaluate_care_gaps,
    evaluate_rules,
    get_protocol,
    validate_protocol,
)
from followup.questions import (
    QUESTIONS,
    SMS_LIMIT,
    render_question,
    validate_questions,
)
from notifications.sms_encoding import is_gsm7

# The procedure table of shared/DOMAIN.md (kept here: the brief is not shipped with the repo).
DOMAIN_PROCEDURES = {
    "VA",
    "SCS",
    "ITDD",
    "ESI",
    "LYSIS",
    "DISC",
    "FACET_SI",
    "NERVE_BLOCK",
    "TUMOR_ABLATION",
    "BIOPSY",
}
EARLY_48H = {"LYSIS", "SCS", "ITDD", "VA"}
# A realistic secure-form URL: PUBLIC_BASE_URL plus a path with a 32-character token.
LINK = "https://followup.example-clinic.org/f/" + "x" * 32 + "/"
OUTCOMES = ["PAIN_NOW", "PAIN_AVG", "MEDS", "PGIC7"]


def checkpoint(code, key):
    matches = [c for c in PROTOCOLS[code]["checkpoints"] if c["key"] == key]
    assert len(matches) == 1, f"{code} has {len(matches)} checkpoints keyed {key}"
    return matches[0]


def rule_codes(matched):
    return [rule["code"] for rule in matched]


def render_all(checkpoint_def, language):
    codes = checkpoint_def["questions"]
    return [
        render_question(
            code,
            language,
            step=step,
            total=len(codes),
            link=LINK if QUESTIONS[code]["type"] == "web_form" else None,
        )
        for step, code in enumerate(codes, start=1)
    ]


# --- the shipped protocols -----------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_it_ships_protocols_that_validate(code):
    assert validate_protocol(PROTOCOLS[code]) == []


def test_it_covers_every_procedure_in_the_domain_brief():
    assert set(PROTOCOLS) == DOMAIN_PROCEDURES
    for code, defn in PROTOCOLS.items():
        assert defn["code"] == code


def test_it_keeps_the_question_bank_well_formed():
    assert validate_questions() == []


def test_it_keeps_definitions_json_round_trippable():
    # Definitions are stored in a JSONField and compared to detect shipped changes: a tuple or
    # Decimal would make every sync publish a new version.
    for defn in PROTOCOLS.values():
        assert json.loads(json.dumps(defn)) == defn


def test_it_offers_a_48_to_72_hour_check_exactly_for_lysis_scs_itdd_and_va():
    with_early = {
        code
        for code, defn in PROTOCOLS.items()
        if any(c["target_day"] <= 3 for c in defn["checkpoints"])
    }
    assert with_early == EARLY_48H
    for code in EARLY_48H:
        h48 = checkpoint(code, "h48")
        assert h48["target_day"] == 2
        assert h48["window_open_day"] == 2
        assert h48["window_close_day"] in (3, 4)


def test_it_keeps_the_48_hour_check_short():
    for code in EARLY_48H:
        questions = checkpoint(code, "h48")["questions"]
        flags = [q for q in questions if q.startswith("RF_")]
        assert flags
        # Lumbar procedures add back and leg pain (issue 23 item 4); every red flag is in a
        # checklist (one text each, issue 23 item 5).
        pain = ["PAIN_NOW", *(["PAIN_BACK", "PAIN_LEG"] if code in LUMBAR_PROCEDURES else [])]
        assert questions == [*flags, *pain, "ANYTHING_ELSE"]
        assert [c for items in checkpoint(code, "h48")["sms_checklists"] for c in items] == flags


def test_it_opens_the_early_check_on_day_14_until_day_42_for_every_procedure():
    for code in PROTOCOLS:
        d14 = checkpoint(code, "d14")
        assert (d14["target_day"], d14["window_open_day"], d14["window_close_day"]) == (14, 14, 42)


@pytest.mark.parametrize(("key", "day"), [("m3", 91), ("m6", 182), ("m12", 365)])
def test_it_checks_at_3_6_and_12_months_plus_or_minus_14_days(key, day):
    for code in PROTOCOLS:
        check = checkpoint(code, key)
        assert check["target_day"] == day
        assert check["window_open_day"] == day - 14
        assert check["window_close_day"] == day + 14
        assert check["why"].strip()


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_it_asks_red_flags_then_outcomes_then_odi_then_free_text(code):
    for key in ("d14", "m3", "m6", "m12"):
        questions = checkpoint(code, key)["questions"]
        flags = [q for q in questions if q.startswith("RF_")]
        assert questions[: len(flags)] == flags, f"{code} {key}: red flags are not first"
        rest = questions[len(flags) :]
        if code in LUMBAR_PROCEDURES:  # back and leg pain after pain now (issue 23 item 4)
            assert rest[1:3] == ["PAIN_BACK", "PAIN_LEG"], f"{code} {key}"
            rest = [rest[0], *rest[3:]]
        assert rest[:4] == OUTCOMES, f"{code} {key}: outcomes out of order"
        assert rest[-2:] == ["ODI", "ANYTHING_ELSE"], f"{code} {key}: ODI/free text not last"


def test_it_asks_the_domain_general_red_flags_early_for_every_procedure():
    general = {
        "RF_FEVER",
        "RF_HEADACHE_SEVERE",
        "RF_HEADACHE_POSITIONAL",
        "RF_STIFF_NECK_CONFUSION",
        "RF_WEAKNESS",
        "RF_BLADDER_BOWEL",
        "RF_SOB_CHEST",
        "RF_WOUND",
        "RF_NUMB_TINGLE",
    }
    for code in PROTOCOLS:
        assert general <= set(checkpoint(code, "d14")["questions"]), code


@pytest.mark.parametrize(
    ("code", "flags"),
    [
        ("VA", {"RF_VA_ADJACENT_PAIN", "RF_VA_FLANK_DIZZY"}),
        ("SCS", {"RF_SCS_BATTERY_SITE", "RF_SCS_SKIN_BREAKDOWN", "RF_SCS_COVERAGE"}),
        (
            "ITDD",
            {
                "RF_ITDD_SLEEPY",
                "RF_ITDD_WITHDRAWAL",
                "RF_ITDD_MOOD",
                "RF_ITDD_ALARM",
                "RF_ITDD_NAUSEA_URINE",
            },
        ),
        ("ESI", {"RF_ESI_SUGAR"}),
        ("DISC", {"RF_DISC_BACK_WORSE"}),
        ("FACET_SI", {"RF_FACET_BURNING"}),
        ("LYSIS", {"RF_BLADDER_BOWEL", "RF_NUMB_TINGLE", "RF_SEXUAL_FUNCTION"}),
    ],
)
def test_it_asks_the_procedure_specific_red_flags(code, flags):
    assert flags <= asked_questions(PROTOCOLS[code])


def test_it_asks_va_flank_pain_with_dizziness_in_the_first_days():
    assert "RF_VA_FLANK_DIZZY" in checkpoint("VA", "h48")["questions"]


@pytest.mark.parametrize("key", ["m3", "m6"])
def test_it_asks_va_bone_health_at_3_and_6_months(key):
    questions = checkpoint("VA", key)["questions"]
    assert {"BH_MEDS", "BH_FALLS", "BH_DXA"} <= set(questions)
    assert "RF_VA_ADJACENT_PAIN" in questions  # the new-fracture screen


def test_it_keeps_bone_health_out_of_the_early_va_checks():
    for key in ("h48", "d14"):
        assert not any(q.startswith("BH_") for q in checkpoint("VA", key)["questions"])


def test_it_checks_tumour_imaging_at_6_to_8_weeks():
    imaging = [
        c for c in PROTOCOLS["TUMOR_ABLATION"]["checkpoints"] if "TA_IMAGING" in c["questions"]
    ]
    assert len(imaging) == 1
    check = imaging[0]
    assert (check["target_day"], check["window_open_day"], check["window_close_day"]) == (
        42,
        42,
        56,
    )
    assert check["questions"][-1] == "ANYTHING_ELSE"


@pytest.mark.parametrize("code", ["SCS", "ITDD"])
@pytest.mark.parametrize("key", ["m3", "m6", "m12"])
def test_it_keeps_asking_implant_patients_about_wound_and_fever(code, key):
    assert {"RF_WOUND", "RF_FEVER"} <= set(checkpoint(code, key)["questions"])


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_it_spaces_reminders_at_least_a_day_apart(code):
    for check in PROTOCOLS[code]["checkpoints"]:
        reminders = check["reminders"]
        assert reminders["max"] >= 0
        assert reminders["spacing_hours"] >= 24


# --- rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_it_gives_every_rule_a_seed_source_and_a_known_tier(code):
    for rule in PROTOCOLS[code]["red_flag_rules"]:
        assert re.search(r"\b00[0-4]\b", rule["source"]), f"{code} {rule['code']}: no seed cited"
        assert rule["tier"] in TIER_ORDER
        assert rule["reason"].strip()
        assert rule["stop_survey"] is (rule["tier"] == "EMERGENCY")


@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_it_lets_fever_with_meningism_beat_plain_fever(code):
    rules = PROTOCOLS[code]["red_flag_rules"]
    for companion in ("RF_HEADACHE_SEVERE", "RF_STIFF_NECK_CONFUSION"):
        matched = evaluate_rules(rules, {"RF_FEVER", companion})
        codes = rule_codes(matched)
        assert matched[0]["tier"] == "EMERGENCY"
        assert "FEVER_MENINGISM" in codes
        assert "FEVER" not in codes
        assert "NECK_CONFUSION" not in codes


def test_it_flags_plain_fever_as_urgent():
    matched = evaluate_rules(PROTOCOLS["VA"]["red_flag_rules"], {"RF_FEVER"})
    assert rule_codes(matched) == ["FEVER"]
    assert matched[0]["tier"] == "URGENT"
    assert matched[0]["stop_survey"] is False


def test_it_does_not_treat_a_stiff_neck_without_fever_as_meningism():
    matched = evaluate_rules(PROTOCOLS["ESI"]["red_flag_rules"], {"RF_STIFF_NECK_CONFUSION"})
    assert rule_codes(matched) == ["NECK_CONFUSION"]
    assert matched[0]["tier"] == "URGENT"


def test_it_sends_itdd_low_mood_to_emergency_with_a_crisis_line():
    matched = evaluate_rules(PROTOCOLS["ITDD"]["red_flag_rules"], {"RF_ITDD_MOOD"})
    assert rule_codes(matched) == ["ITDD_MOOD"]
    assert matched[0]["tier"] == "EMERGENCY"
    assert matched[0]["crisis_line"] is True
    assert matched[0]["stop_survey"] is True


def test_it_keeps_the_crisis_line_to_the_mood_rule():
    with_crisis = {
        (code, rule["code"])
        for code, defn in PROTOCOLS.items()
        for rule in defn["red_flag_rules"]
        if rule["crisis_line"]
    }
    assert with_crisis == {("ITDD", "ITDD_MOOD")}


@pytest.mark.parametrize(
    ("code", "yes", "tier"),
    [
        ("VA", {"RF_SOB_CHEST"}, "EMERGENCY"),
        ("VA", {"RF_VA_FLANK_DIZZY"}, "EMERGENCY"),
        ("VA", {"RF_VA_ADJACENT_PAIN"}, "URGENT"),
        ("ESI", {"RF_WEAKNESS"}, "EMERGENCY"),
        ("ESI", {"RF_BLADDER_BOWEL"}, "EMERGENCY"),
        ("ESI", {"RF_HEADACHE_SEVERE"}, "EMERGENCY"),
        ("ESI", {"RF_HEADACHE_POSITIONAL"}, "URGENT"),
        ("ESI", {"RF_WOUND"}, "URGENT"),
        ("ESI", {"RF_NUMB_TINGLE"}, "URGENT"),
        ("ESI", {"RF_ESI_SUGAR"}, "URGENT"),
        ("SCS", {"RF_SCS_BATTERY_SITE"}, "URGENT"),
        ("SCS", {"RF_SCS_SKIN_BREAKDOWN"}, "URGENT"),
        ("SCS", {"RF_SCS_COVERAGE"}, "ROUTINE"),
        ("ITDD", {"RF_ITDD_SLEEPY"}, "EMERGENCY"),
        ("ITDD", {"RF_ITDD_WITHDRAWAL"}, "EMERGENCY"),
        ("ITDD", {"RF_ITDD_ALARM"}, "URGENT"),
        ("ITDD", {"RF_ITDD_NAUSEA_URINE"}, "URGENT"),
        ("DISC", {"RF_DISC_BACK_WORSE"}, "URGENT"),
        ("DISC", {"RF_DISC_BACK_WORSE", "RF_FEVER"}, "URGENT"),
        ("FACET_SI", {"RF_FACET_BURNING"}, "ROUTINE"),
        ("LYSIS", {"RF_SEXUAL_FUNCTION"}, "URGENT"),
    ],
)
def test_it_tiers_each_symptom_as_the_domain_brief_says(code, yes, tier):
    matched = evaluate_rules(PROTOCOLS[code]["red_flag_rules"], yes)
    assert matched, f"{code}: nothing matched {yes}"
    assert matched[0]["tier"] == tier


def test_it_reports_one_discitis_flag_for_fever_with_worse_back_pain():
    matched = evaluate_rules(
        PROTOCOLS["DISC"]["red_flag_rules"], {"RF_FEVER", "RF_DISC_BACK_WORSE"}
    )
    assert rule_codes(matched) == ["DISCITIS_SIGNS"]


def test_it_lets_a_severe_headache_replace_the_positional_one():
    matched = evaluate_rules(
        PROTOCOLS["ESI"]["red_flag_rules"], {"RF_HEADACHE_SEVERE", "RF_HEADACHE_POSITIONAL"}
    )
    assert rule_codes(matched) == ["HEADACHE_SEVERE"]


def test_it_sorts_matched_rules_by_tier():
    matched = evaluate_rules(
        PROTOCOLS["SCS"]["red_flag_rules"], {"RF_SCS_COVERAGE", "RF_WOUND", "RF_WEAKNESS"}
    )
    assert [r["tier"] for r in matched] == ["EMERGENCY", "URGENT", "ROUTINE"]
    assert rule_codes(matched) == ["WEAKNESS", "WOUND", "SCS_COVERAGE"]


def test_it_matches_nothing_without_yes_answers_or_with_only_outcome_codes():
    rules = PROTOCOLS["ITDD"]["red_flag_rules"]
    assert evaluate_rules(rules, set()) == []
    assert evaluate_rules(rules, {"PAIN_NOW", "ODI", "RF_UNKNOWN"}) == []


def test_it_supersedes_only_when_the_compound_rule_matches():
    rules = [
        {"code": "A", "tier": "URGENT", "when": {"all": ["RF_X"]}},
        {"code": "B", "tier": "EMERGENCY", "when": {"all": ["RF_X", "RF_Y"]}, "supersedes": ["A"]},
        {"code": "C", "tier": "ROUTINE", "when": {"any": ["RF_Y", "RF_Z"]}},
        {"code": "EMPTY", "tier": "EMERGENCY", "when": {}},
    ]
    assert rule_codes(evaluate_rules(rules, {"RF_X"})) == ["A"]
    assert rule_codes(evaluate_rules(rules, {"RF_X", "RF_Y"})) == ["B", "C"]
    assert rule_codes(evaluate_rules(rules, {"RF_Z"})) == ["C"]


def test_it_flags_care_gaps_from_bone_health_and_imaging_answers():
    gaps = PROTOCOLS["VA"]["care_gaps"]
    found = evaluate_care_gaps(gaps, {"BH_MEDS": False, "BH_FALLS": True, "BH_DXA": True})
    assert [g["code"] for g in found] == ["NO_BONE_MEDS", "FALL_REPORTED"]
    assert evaluate_care_gaps(gaps, {"BH_MEDS": True, "BH_FALLS": False}) == []
    imaging = PROTOCOLS["TUMOR_ABLATION"]["care_gaps"]
    assert [g["code"] for g in evaluate_care_gaps(imaging, {"TA_IMAGING": False})] == [
        "NO_FOLLOWUP_IMAGING"
    ]


def test_it_names_valid_codes_for_an_unknown_procedure():
    assert get_protocol("VA") is PROTOCOLS["VA"]
    with pytest.raises(KeyError, match="BIOPSY"):
        get_protocol("KNEE")


# --- validate_protocol catches broken definitions ----------------------------------------------


def broken(mutate, code="VA"):
    defn = copy.deepcopy(PROTOCOLS[code])
    mutate(defn)
    return validate_protocol(defn)


def joined(problems):
    return " | ".join(problems)


def test_it_reports_an_unknown_question_code():
    problems = broken(lambda d: d["checkpoints"][0]["questions"].insert(0, "RF_NOPE"))
    assert "unknown question 'RF_NOPE'" in joined(problems)


def test_it_reports_a_window_that_does_not_contain_the_target_day():
    def mutate(d):
        d["checkpoints"][1]["target_day"] = 50

    assert "does not contain day 50" in joined(broken(mutate))


def test_it_reports_negative_days():
    def mutate(d):
        d["checkpoints"][0]["window_open_day"] = -1

    assert "window_open_day is negative" in joined(broken(mutate))


def test_it_reports_duplicate_checkpoint_keys():
    def mutate(d):
        d["checkpoints"][1]["key"] = d["checkpoints"][0]["key"]

    assert "duplicate checkpoint key 'h48'" in joined(broken(mutate))


def test_it_reports_a_rule_on_a_question_the_protocol_never_asks():
    def mutate(d):
        d["red_flag_rules"].append(
            {
                "code": "PUMP",
                "tier": "URGENT",
                "when": {"all": ["RF_ITDD_ALARM"]},
                "reason": "Pump alarm",
                "stop_survey": False,
                "crisis_line": False,
                "source": "000 Table 3",
            }
        )

    assert "RF_ITDD_ALARM is never asked" in joined(broken(mutate))


def test_it_reports_a_red_flag_question_no_rule_covers():
    def mutate(d):
        d["red_flag_rules"] = [r for r in d["red_flag_rules"] if r["code"] != "VA_ADJACENT_PAIN"]

    assert "RF_VA_ADJACENT_PAIN is asked but no rule uses it" in joined(broken(mutate))


def test_it_reports_an_unknown_tier():
    def mutate(d):
        d["red_flag_rules"][0]["tier"] = "CRITICAL"

    assert "tier 'CRITICAL'" in joined(broken(mutate))


def test_it_reports_missing_sources():
    def mutate(d):
        d["sources"] = []
        d["red_flag_rules"][0]["source"] = ""

    problems = joined(broken(mutate))
    assert "VA: missing sources" in problems
    assert "rule FEVER_MENINGISM: missing source" in problems


def test_it_reports_a_question_missing_its_spanish_text(monkeypatch):
    question = copy.deepcopy(QUESTIONS["RF_FEVER"])
    question["text"] = {"en": question["text"]["en"]}
    monkeypatch.setitem(QUESTIONS, "RF_FEVER", question)
    assert "RF_FEVER: missing es text" in joined(validate_protocol(PROTOCOLS["VA"]))
    assert "RF_FEVER: missing es text" in validate_questions()


def test_it_reports_an_emergency_rule_that_lets_the_survey_run_on():
    def mutate(d):
        d["red_flag_rules"][0]["stop_survey"] = False

    assert "stop_survey must be True exactly for EMERGENCY" in joined(broken(mutate))


def test_it_reports_supersedes_naming_an_unknown_rule():
    def mutate(d):
        d["red_flag_rules"][0]["supersedes"] = ["NO_SUCH_RULE"]

    assert "supersedes unknown rule 'NO_SUCH_RULE'" in joined(broken(mutate))


def test_it_reports_conditions_on_outcome_questions():
    def mutate(d):
        d["red_flag_rules"][0]["when"] = {"all": ["PAIN_NOW"]}

    assert "non-red-flag question 'PAIN_NOW'" in joined(broken(mutate))


def test_it_reports_reminders_closer_than_a_day():
    def mutate(d):
        d["checkpoints"][0]["reminders"] = {"max": 2, "spacing_hours": 8}

    assert "spacing_hours must be at least 24" in joined(broken(mutate))


def test_it_reports_red_flags_asked_after_outcomes():
    def mutate(d):
        questions = d["checkpoints"][1]["questions"]
        questions.remove("RF_FEVER")
        questions.insert(-1, "RF_FEVER")

    assert "red-flag questions must come before" in joined(broken(mutate))


def test_it_reports_a_care_gap_on_a_question_never_asked():
    def mutate(d):
        d["care_gaps"] = [
            {
                "code": "X",
                "question": "TA_IMAGING",
                "answer": "no",
                "tier": "ROUTINE",
                "reason": "r",
                "source": "004",
            }
        ]

    assert "TA_IMAGING is never asked" in joined(broken(mutate))


# --- questions and rendering --------------------------------------------------------------------


def test_it_gives_every_question_english_and_spanish_text():
    for code, question in QUESTIONS.items():
        assert question["text"]["en"].strip(), code
        assert question["text"]["es"].strip(), code
        assert question["source"].strip(), code


def test_it_writes_english_questions_in_gsm7_only():
    for code in QUESTIONS:
        link = LINK if QUESTIONS[code]["type"] == "web_form" else None
        assert is_gsm7(render_question(code, "en", link=link)), code


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("code", sorted(PROTOCOLS))
def test_it_fits_every_rendered_question_in_one_sms(code, language):
    for check in PROTOCOLS[code]["checkpoints"]:
        for text in render_all(check, language):
            assert len(text) <= SMS_LIMIT, f"{code} {check['key']} ({len(text)}): {text}"


def test_it_numbers_choice_options_in_the_question_text():
    for code in ("MEDS", "PGIC", "PGIC7"):
        question = QUESTIONS[code]
        for lang in ("en", "es"):
            for number, option in enumerate(question["options"], start=1):
                assert option["shortcut"] == str(number)
                assert f"{number} {option[lang]}" in question["text"][lang]
    assert QUESTIONS["MEDS"]["text"]["en"].endswith("Reply 1 less, 2 same, 3 more, 4 none")
    assert [o["value"] for o in QUESTIONS["PGIC"]["options"]] == [
        "much_better",
        "a_little_better",
        "about_same",
        "a_little_worse",
        "much_worse",
    ]


def test_it_prefixes_the_step_when_asked():
    text = render_question("RF_FEVER", "en", step=3, total=12)
    assert text.startswith("(3/12) Do you have a fever")
    assert render_question("RF_FEVER", "es").startswith("¿Tiene fiebre")


def test_it_accepts_regional_language_tags():
    assert render_question("PAIN_NOW", "es-MX") == render_question("PAIN_NOW", "es")
    assert render_question("PAIN_NOW", "EN_us") == render_question("PAIN_NOW", "en")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"code": "RF_FEVER", "language": "fr"}, ValueError),
        ({"code": "RF_FEVER", "language": ""}, ValueError),
        ({"code": "RF_FEVER", "language": "en", "step": 2}, ValueError),
        ({"code": "RF_FEVER", "language": "en", "step": 0, "total": 3}, ValueError),
        ({"code": "RF_FEVER", "language": "en", "step": 4, "total": 3}, ValueError),
        ({"code": "ODI", "language": "en"}, ValueError),
        ({"code": "RF_FEVER", "language": "en", "link": LINK}, ValueError),
        ({"code": "NOPE", "language": "en"}, KeyError),
    ],
)
def test_it_refuses_bad_render_arguments(kwargs, error):
    code = kwargs.pop("code")
    language = kwargs.pop("language")
    with pytest.raises(error):
        render_question(code, language, **kwargs)


def test_it_puts_the_link_into_the_web_form_question():
    text = render_question("ODI", "en", link=LINK)
    assert LINK in text
    assert "{link}" not in text


def test_it_asks_nrs_questions_on_a_zero_to_ten_scale():
    for code in ("PAIN_NOW", "PAIN_AVG", "PAIN_BASELINE"):
        question = QUESTIONS[code]
        assert (question["type"], question["min"], question["max"]) == ("nrs", 0, 10)
        assert "0" in question["text"]["en"] and "10" in question["text"]["en"]


def test_it_keeps_diagnosis_words_out_of_sms_texts():
    # Anyone holding the phone can read the text (DESIGN.md "Minimum PHI in messages").
    banned = re.compile(
        r"osteopor|fracture|tumou?r|cancer|kyphoplast|vertebroplast|stimulator|intrathecal|"
        r"epidural|meningit|abscess|embolism|haematoma|hematoma|diabet|suicid|opioid",
        re.IGNORECASE,
    )
    for code, question in QUESTIONS.items():
        for lang in ("en", "es"):
            assert not banned.search(question["text"][lang]), f"{code} {lang}"
