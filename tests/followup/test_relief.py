"""Relief arithmetic, documented-relief rules and the patient page's verdict."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from followup.relief.arithmetic import (
    NO_BASELINE,
    NO_SCORE,
    ZERO_BASELINE,
    Reading,
    percent_relief,
    relief_duration,
)
from followup.relief.assess import (
    CANNOT,
    MET,
    NOT_MET,
    NOT_YET,
    assess_block,
    assess_blocks,
    assess_sustained,
)
from followup.relief.rules import RELIEF_RULES, repeat_rules_for

UTC = dt.UTC
BLOCK = dt.datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # 18:00 in Chicago (CDT)


def at(hours: float) -> dt.datetime:
    return BLOCK + dt.timedelta(hours=hours)


# --- arithmetic -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "pain", "percent"),
    [
        (8, 2, "75.0"),
        (8, 0, "100.0"),
        (7, 2, "71.4"),
        (10, 5, "50.0"),
        (6, 6, "0.0"),
        (3, 1, "66.7"),
    ],
)
def test_it_computes_percent_relief_against_the_baseline(baseline, pain, percent):
    relief = percent_relief(baseline, pain)
    assert relief.percent == Decimal(percent) and relief.reason == ""


def test_a_missing_baseline_gives_no_figure_and_says_why():
    relief = percent_relief(None, 3)
    assert relief.percent is None and relief.reason == NO_BASELINE
    assert str(relief) == f"no figure ({NO_BASELINE})"
    assert percent_relief(6, None).reason == NO_SCORE


def test_pain_worse_than_baseline_is_negative_relief_shown_as_worse():
    relief = percent_relief(4, 6)
    assert relief.percent == Decimal("-50.0") and relief.worse
    assert str(relief) == "50.0 % worse"
    assert not relief.meets(Decimal("50"))


def test_a_zero_baseline_gives_no_percent():
    relief = percent_relief(0, 0)
    assert relief.percent is None and relief.reason == ZERO_BASELINE
    assert percent_relief(0, 4).percent is None


@pytest.mark.parametrize("bad", [11, -1, "7", True, 7.5 + 4])
def test_it_refuses_scores_outside_0_to_10(bad):
    with pytest.raises(ValueError):
        percent_relief(bad, 3)
    with pytest.raises(ValueError):
        percent_relief(5, bad)


def test_duration_of_relief_runs_to_the_last_reading_above_the_threshold():
    readings = [Reading(at(0.5), 1), Reading(at(1), 1), Reading(at(2), 1), Reading(at(4), 6)]
    span = relief_duration(baseline=8, start=BLOCK, readings=readings, threshold=Decimal(80))
    assert span.lasted == dt.timedelta(hours=2) and span.ended and span.readings == 4


def test_a_missed_prompt_neither_extends_nor_breaks_relief():
    readings = [Reading(at(0.5), 0), Reading(at(1), None), Reading(at(2), 1)]
    span = relief_duration(baseline=8, start=BLOCK, readings=readings, threshold=Decimal(80))
    assert span.lasted == dt.timedelta(hours=2) and not span.ended and span.readings == 2


def test_duration_without_baseline_or_readings_says_why():
    assert relief_duration(baseline=None, start=BLOCK, readings=[], threshold=Decimal(80)).reason
    span = relief_duration(baseline=8, start=BLOCK, readings=[], threshold=Decimal(80))
    assert span.reason == NO_SCORE and span.lasted is None


# --- rules as data ----------------------------------------------------------------------------------


def test_the_rules_carry_thresholds_durations_and_sources():
    rules = RELIEF_RULES
    assert rules["MBB_MEDICARE"].min_relief_percent == 80 and rules["MBB_MEDICARE"].blocks == 2
    assert rules["MBB_MEDICARE"].duration == "anaesthetic"
    assert "L38765" in rules["MBB_MEDICARE"].source
    assert rules["MBB_ASRA"].min_relief_percent == 50 and rules["MBB_ASRA"].blocks == 1
    assert "Cohen" in rules["MBB_ASRA"].source and "2020" in rules["MBB_ASRA"].source
    assert (rules["RFA_REPEAT"].min_relief_percent, rules["RFA_REPEAT"].duration) == (50, 182)
    assert (rules["ESI_REPEAT"].min_relief_percent, rules["ESI_REPEAT"].duration) == (50, 90)
    assert "L39240" in rules["ESI_REPEAT"].source
    assert rules["SCS_TRIAL"].function_required and rules["SCS_TRIAL"].min_relief_percent == 50
    assert [r.code for r in repeat_rules_for("ESI")] == ["ESI_REPEAT"]
    assert [r.code for r in repeat_rules_for("FACET_SI")] == ["RFA_REPEAT"]
    assert repeat_rules_for("VA") == []


# --- diagnostic blocks ------------------------------------------------------------------------------


def test_a_bupivacaine_block_with_80_percent_for_3_hours_meets_the_medicare_rule():
    readings = [Reading(at(h), 1) for h in (0.5, 1, 2, 4)]
    result = assess_block(
        rule=RELIEF_RULES["MBB_MEDICARE"],
        baseline=8,
        block_at=BLOCK,
        anaesthetic_name="bupivacaine",
        readings=readings,
    )
    assert result.status == MET and result.lasted == dt.timedelta(hours=4)
    assert result.relief == Decimal("87.5")


def test_relief_that_fades_before_the_anaesthetic_wears_off_does_not_meet_it():
    readings = [Reading(at(0.5), 1), Reading(at(1), 1), Reading(at(2), 4)]
    result = assess_block(
        rule=RELIEF_RULES["MBB_MEDICARE"],
        baseline=8,
        block_at=BLOCK,
        anaesthetic_name="bupivacaine",
        readings=readings,
    )
    assert result.status == NOT_MET and "lasted only 1 h" in result.reason


def test_the_same_block_meets_the_50_percent_guideline_but_not_80():
    readings = [Reading(at(h), 3) for h in (0.5, 1, 2)]  # 62.5 % relief
    kwargs = dict(baseline=8, block_at=BLOCK, anaesthetic_name="lidocaine", readings=readings)
    assert assess_block(rule=RELIEF_RULES["MBB_ASRA"], **kwargs).status == MET
    assert assess_block(rule=RELIEF_RULES["MBB_MEDICARE"], **kwargs).status == NOT_MET


def test_a_block_diary_without_a_reading_past_the_duration_is_not_yet_decided():
    result = assess_block(
        rule=RELIEF_RULES["MBB_MEDICARE"],
        baseline=8,
        block_at=BLOCK,
        anaesthetic_name="bupivacaine",
        readings=[Reading(at(0.5), 0), Reading(at(1), 0)],
    )
    assert result.status == NOT_YET and "3 h" in result.reason


def test_a_block_without_baseline_cannot_be_assessed():
    result = assess_block(
        rule=RELIEF_RULES["MBB_MEDICARE"],
        baseline=None,
        block_at=BLOCK,
        anaesthetic_name="lidocaine",
        readings=[Reading(at(1), 0)],
    )
    assert result.status == CANNOT and result.reason == NO_BASELINE


def test_medicare_needs_two_blocks_each_meeting_the_rule():
    rule = RELIEF_RULES["MBB_MEDICARE"]
    good = assess_block(
        rule=rule,
        baseline=8,
        block_at=BLOCK,
        anaesthetic_name="lidocaine",
        readings=[Reading(at(1), 1), Reading(at(2), 1)],
    )
    assert good.status == MET
    assert assess_blocks(rule=rule, blocks=[good]).status == NOT_YET
    assert assess_blocks(rule=rule, blocks=[good, good]).status == MET
    bad = assess_block(
        rule=rule,
        baseline=8,
        block_at=BLOCK,
        anaesthetic_name="lidocaine",
        readings=[Reading(at(0.5), 6)],
    )
    result = assess_blocks(rule=rule, blocks=[good, bad])
    assert result.status == NOT_MET and result.reason.startswith("block 2:")


def test_a_therapeutic_rule_is_refused_for_a_block():
    with pytest.raises(ValueError):
        assess_block(
            rule=RELIEF_RULES["ESI_REPEAT"],
            baseline=8,
            block_at=BLOCK,
            anaesthetic_name="lidocaine",
            readings=[],
        )


# --- sustained relief -------------------------------------------------------------------------------


def test_a_repeat_esi_is_met_with_50_percent_through_3_months():
    result = assess_sustained(
        rule=RELIEF_RULES["ESI_REPEAT"], baseline=8, readings=[(15, 3), (88, 4)]
    )
    assert result.status == MET and result.relief == Decimal("50.0")


def test_a_repeat_esi_is_not_met_when_relief_fades_before_3_months():
    result = assess_sustained(
        rule=RELIEF_RULES["ESI_REPEAT"], baseline=8, readings=[(15, 2), (88, 5)]
    )
    assert result.status == NOT_MET and "37.5 % relief on day 88" in result.reason


def test_worse_pain_is_reported_as_worse_in_the_verdict():
    result = assess_sustained(rule=RELIEF_RULES["ESI_REPEAT"], baseline=5, readings=[(15, 7)])
    assert result.status == NOT_MET and "40.0 % worse" in result.reason


def test_a_repeat_ablation_needs_six_months():
    rule = RELIEF_RULES["RFA_REPEAT"]
    assert assess_sustained(rule=rule, baseline=8, readings=[(15, 2), (90, 2)]).status == NOT_YET
    assert (
        assess_sustained(rule=rule, baseline=8, readings=[(15, 2), (90, 2), (175, 3)]).status == MET
    )


@pytest.mark.parametrize(
    ("baseline", "readings", "reason"),
    [(None, [(90, 2)], NO_BASELINE), (0, [(90, 0)], ZERO_BASELINE), (8, [], NO_SCORE)],
)
def test_sustained_relief_cannot_be_assessed_without_a_usable_baseline(baseline, readings, reason):
    result = assess_sustained(rule=RELIEF_RULES["ESI_REPEAT"], baseline=baseline, readings=readings)
    assert result.status == CANNOT and result.reason == reason
