"""SCS trial summary and the chart note of a diagnostic block."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from followup.relief.arithmetic import Reading
from followup.relief.assess import CANNOT, MET, NOT_MET, assess_block
from followup.relief.rules import RELIEF_RULES
from followup.relief.trial import TrialDay, block_note, scs_trial_summary


def test_a_trial_with_50_percent_relief_and_better_function_meets_the_rule():
    days = [
        TrialDay(1, pain=4, reported_relief=50, function="better", meds="same"),
        TrialDay(2, pain=3, reported_relief=60, function="better", meds="less"),
        TrialDay(3, pain=3, reported_relief=60, function="same", meds="less"),
    ]
    summary = scs_trial_summary(baseline=8, days=days, trial_days=3)
    assert (
        summary.mean_relief == Decimal("58.3") and summary.relief_basis == "pain against baseline"
    )
    assert summary.assessment.status == MET
    assert summary.function_better_days == 2 and summary.meds == {"less": 2, "same": 1, "more": 0}
    assert summary.mean_pain == Decimal("3.3") and summary.days_at_threshold == 3


def test_relief_without_better_function_does_not_meet_the_rule():
    days = [TrialDay(d, pain=2, function="same") for d in (1, 2, 3, 4)]
    summary = scs_trial_summary(baseline=8, days=days, trial_days=5)
    assert summary.assessment.status == NOT_MET
    assert "function better on 0 of 4 days" in summary.assessment.reason
    assert "4 of 5 days" in summary.assessment.reason


def test_without_a_baseline_the_patients_own_percent_is_used():
    days = [TrialDay(1, pain=5, reported_relief=70, function="better")]
    summary = scs_trial_summary(baseline=None, days=days, trial_days=3)
    assert summary.relief_basis == "patient-reported percent" and summary.mean_relief == 70


def test_an_empty_diary_cannot_be_assessed():
    summary = scs_trial_summary(baseline=8, days=[TrialDay(1)], trial_days=3)
    assert summary.assessment.status == CANNOT and summary.answered_days == 0


@pytest.mark.parametrize(
    "day",
    [
        TrialDay(1, pain=3, function="great"),
        TrialDay(1, pain=3, meds="double"),
        TrialDay(1, reported_relief=120),
    ],
)
def test_bad_diary_answers_are_refused(day):
    with pytest.raises(ValueError):
        scs_trial_summary(baseline=8, days=[day], trial_days=3)


def test_the_block_note_states_readings_verdict_rule_and_source():
    block = dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC)
    readings = [
        Reading(block + dt.timedelta(hours=h), p) for h, p in ((0.5, 1), (1, 0), (2, None), (4, 1))
    ]
    rule = RELIEF_RULES["MBB_MEDICARE"]
    assessment = assess_block(
        rule=rule, baseline=8, block_at=block, anaesthetic_name="bupivacaine", readings=readings
    )
    note = block_note(
        block_at=block,
        tz_name="America/Chicago",
        anaesthetic_label="bupivacaine 0.5 %",
        baseline=8,
        readings=readings,
        assessment=assessment,
    )
    assert note.splitlines()[:2] == [
        "Diagnostic block 2026-03-10 18:00 (America/Chicago), bupivacaine 0.5 %.",
        "Pre-block pain: 8/10.",
    ]
    assert "- 0.5 h: pain 1/10, 87.5 % relief" in note
    assert "- 2 h: no answer" in note
    assert "MET - relief >= 80 % lasted at least 4 h" in note
    assert "Source: CMS LCD L38765" in note
