"""The instrument registry, NDI scoring and one FHIR R4 Questionnaire per instrument."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from pydantic import ValidationError

from followup.instruments import INSTRUMENTS, instrument_for_question, instrument_problems
from followup.instruments.fhir import instrument_questionnaire
from followup.instruments.ndi import NDI_SECTION_KEYS, NDI_SECTIONS, ndi_band, ndi_score
from followup.parsing import parse_choice
from followup.protocol_data import PROTOCOLS, asked_questions
from followup.questions import QUESTIONS, render_question


def test_it_lists_every_required_instrument_complete():
    assert {"NRS_PAIN", "NRS_BACK", "NRS_LEG", "ODI", "NDI", "PGIC7", "PGIC5", "MEDS"} <= set(
        INSTRUMENTS
    )
    assert instrument_problems() == []
    for inst in INSTRUMENTS.values():
        assert inst.licence and inst.scoring and inst.source


def test_it_labels_each_stored_question_code_with_its_instrument_version():
    assert instrument_for_question("PGIC").code == "PGIC5"
    assert instrument_for_question("PGIC").current is False
    assert instrument_for_question("PGIC7").version == "7-point"
    assert instrument_for_question("PAIN_BACK").code == "NRS_BACK"
    assert instrument_for_question("PAIN_LEG").code == "NRS_LEG"
    assert instrument_for_question("RF_FEVER").code == "RED_FLAGS"
    assert instrument_for_question("NOT_A_QUESTION") is None


def test_it_asks_the_7_point_pgic_in_every_shipped_protocol_and_keeps_the_5_point_question():
    for code, defn in PROTOCOLS.items():
        asked = asked_questions(defn)
        assert "PGIC" not in asked, code
    assert any("PGIC7" in asked_questions(d) for d in PROTOCOLS.values())
    # Still in the bank: enrollments pinned to an older protocol version keep asking it.
    assert [o["value"] for o in QUESTIONS["PGIC"]["options"]][0] == "much_better"
    assert [o["value"] for o in QUESTIONS["PGIC7"]["options"]] == [
        "very_much_improved",
        "much_improved",
        "minimally_improved",
        "no_change",
        "minimally_worse",
        "much_worse",
        "very_much_worse",
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_fits_the_7_point_pgic_in_one_sms_with_a_step_prefix(language):
    text = render_question("PGIC7", language, step=20, total=20)
    assert len(text) <= 160
    assert "7 " in text


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("7", "very_much_worse"),
        ("1", "very_much_improved"),
        ("very much better", "very_much_improved"),
        ("much better", "much_improved"),
        ("mucho peor", "much_worse"),
        ("muchisimo peor", "very_much_worse"),
        ("no change", "no_change"),
    ],
)
def test_it_parses_7_point_pgic_replies(reply, value):
    assert parse_choice(reply, QUESTIONS["PGIC7"]["options"]).value == value


def test_it_refuses_an_8th_pgic_option():
    assert not parse_choice("8", QUESTIONS["PGIC7"]["options"]).ok


# --- NDI -----------------------------------------------------------------------------------------


def test_ndi_has_ten_sections_of_six_statements_in_both_languages():
    assert len(NDI_SECTIONS) == 10
    for section in NDI_SECTIONS:
        assert len(section["statements"]) == 6
        for statement in section["statements"]:
            assert statement["en"].strip() and statement["es"].strip()


def test_ndi_scores_all_ten_sections_as_percent():
    score = ndi_score(dict.fromkeys(NDI_SECTION_KEYS, 2))
    assert score == {"percent": Decimal("40.0"), "sum": 20, "answered": 10, "band": "moderate"}


def test_ndi_leaves_skipped_sections_out_of_the_denominator():
    answers = dict.fromkeys(NDI_SECTION_KEYS, 1)
    answers["driving"] = None
    assert ndi_score(answers)["percent"] == Decimal("20.0")  # 9 / 45


def test_ndi_gives_no_score_with_fewer_than_8_sections():
    assert ndi_score(dict.fromkeys(NDI_SECTION_KEYS[:7], 3)) is None


@pytest.mark.parametrize("bad", [6, -1, "3", True, 2.5])
def test_ndi_refuses_out_of_range_values(bad):
    answers = dict.fromkeys(NDI_SECTION_KEYS, 0)
    answers["reading"] = bad
    with pytest.raises(ValueError):
        ndi_score(answers)


def test_ndi_refuses_unknown_sections():
    with pytest.raises(ValueError, match="unknown NDI"):
        ndi_score({"walking": 1, **dict.fromkeys(NDI_SECTION_KEYS, 0)})


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        ("0", "no disability"),
        ("8", "no disability"),
        ("10", "mild"),
        ("48", "moderate"),
        ("50", "severe"),
        ("70", "complete"),
        ("100", "complete"),
    ],
)
def test_ndi_bands_follow_vernon_and_mior(percent, band):
    assert ndi_band(Decimal(percent)) == band


# --- FHIR Questionnaire ---------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("code", sorted(INSTRUMENTS))
def test_it_builds_a_valid_fhir_questionnaire_for_every_instrument(code, language):
    resource = instrument_questionnaire(code, language)
    parsed = Questionnaire.model_validate(resource)
    assert parsed.language == language
    assert parsed.item
    assert INSTRUMENTS[code].licence == parsed.copyright


def test_the_odi_questionnaire_has_ten_scored_sections():
    q = Questionnaire.model_validate(instrument_questionnaire("ODI", "es"))
    assert len(q.item) == 10
    first = q.item[0]
    assert [o.valueCoding.code for o in first.answerOption] == ["0", "1", "2", "3", "4", "5"]
    assert first.answerOption[5].extension[0].valueDecimal == 5
    assert q.code[0].code == "97908-8"


def test_the_pgic_questionnaires_name_their_version_and_status():
    old = instrument_questionnaire("PGIC5")
    new = instrument_questionnaire("PGIC7")
    assert old["status"] == "retired" and new["status"] == "active"
    assert len(new["item"][0]["answerOption"]) == 7
    assert len(old["item"][0]["answerOption"]) == 5
    assert new["item"][0]["text"] == "Since the procedure you are:"


def test_the_nrs_questionnaire_bounds_the_integer_0_to_10():
    item = instrument_questionnaire("NRS_BACK")["item"][0]
    assert item["type"] == "integer"
    assert [e["valueInteger"] for e in item["extension"]] == [0, 10]


def test_a_broken_questionnaire_fails_validation():
    resource = instrument_questionnaire("PGIC7")
    del resource["item"][0]["linkId"]  # required 1..1 on every item
    with pytest.raises(ValidationError):
        Questionnaire.model_validate(resource)


def test_it_refuses_unknown_instruments_and_languages():
    with pytest.raises(KeyError):
        instrument_questionnaire("SF36")
    with pytest.raises(ValueError):
        instrument_questionnaire("NDI", "fr")
