"""Cohort figures against a hand-computed fixture.

Eight ESI patients of bob (physician, spine-austin); baseline pain NRS / ODI %, and the d14 check:

| pt | baseline   | d14 status | pain (7-day avg) | ODI | meds | pgic            | notes                     |
|----|------------|------------|------------------|-----|------|-----------------|---------------------------|
| P1 | 8 / 50     | completed  | 4  (-4, -50 %)   | 30  | less | much_better     | MCID, responder; ODI MCID |
| P2 | 6 / 40     | completed  | 5  (-1, -16.7 %) | 42  | more |                 | ODI worse (+2)            |
| P3 | 7 / 36     | completed  | 5  (-2, -28.6 %) | 26  | none | a_little_better | MCID by points; ODI -10   |
| P4 | none       | completed  | 3                | 20  | same |                 | no baseline               |
| P5 | 5 / 30     | completed  | 6  (+1, +20 %)   | 30  | same | a_little_worse  | withdrawn later; worse    |
| P6 | 0 / 10     | completed  | 0  (0, no %)     | 12  | less |                 | ODI worse (+2)            |
| P7 | 10 / none  | missed     | -                | -   |      |                 | no answer at all          |
| P8 | 9 / none   | missed     | now 4 (-5, -55.6)| -   |      |                 | partial: pain-now only    |

d14 pain (n=6, P4 has no baseline): changes -4, -1, -2, +1, 0, -5. Mean -11/6 = -1.8333 -> -1.8;
median (-2 + -1)/2 = -1.5; SD 2.3166; t(0.975, 5) = 2.5706; CI -1.8333 -/+ 2.4311 = -4.3 to 0.6.
MCID: P1, P3, P8 = 3/6 = 50.0 %; >= 50 % responders: P1 (exactly 50 %), P8 = 2/6 = 33.3 %;
worse: P5 = 1/6 = 16.7 %. Due 8 (P7, P8 missed count), responded 7 (P7 none) = 87.5 %.

d14 ODI (n=5; P4 no baseline, P7/P8 no score): -20, +2, -10, 0, +2. Mean -5.2; median 0; SD
9.6540; t(0.975, 4) = 2.7764; CI -17.2 to 6.8. MCID P1, P3 (exactly 10) = 2/5 = 40.0 %;
worse P2, P6 = 2/5 = 40.0 %.

m3: P1 completed (pain 6: -2, -25 %: MCID by points, not a responder; ODI 44: -6, -12 %: no),
P2 missed, P3 open without answers; P5 cancelled at withdrawal; the rest still scheduled.
Due 3, responded 1 (33.3 %), not yet due 4, not sent 1; pain n=1 so no interval.

Excluding withdrawn (P5): d14 pain n=5: -4, -1, -2, 0, -5: mean -2.4, median -2.0, MCID 3/5.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from followup.models import Checkpoint
from followup.outcomes.mcid import change_from_baseline
from followup.selectors.outcomes import (
    CohortFilters,
    cohort_checkpoint_summary,
    cohort_checkpoints,
    cohort_choice_trend,
    cohort_enrollments,
    outcome_access,
    with_outcomes,
)
from patients.models import Role
from tests.factories import MembershipFactory, UserFactory

from .outcomes_data import patient_enrolled, record, set_status, withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(clinic):
    """Another physician of bob's clinic."""
    return MembershipFactory(
        user=UserFactory(username="erin"), clinic=clinic, role=Role.PHYSICIAN
    ).user


@pytest.fixture
def cohort(clinic, bob, erin, dora, other_clinic):
    e = {}
    e["P1"] = patient_enrolled(clinic, bob, baseline_pain=8, baseline_odi=50)
    e["P2"] = patient_enrolled(clinic, bob, baseline_pain=6, baseline_odi=40)
    e["P3"] = patient_enrolled(clinic, bob, baseline_pain=7, baseline_odi=36)
    e["P4"] = patient_enrolled(clinic, bob)
    e["P5"] = patient_enrolled(clinic, bob, baseline_pain=5, baseline_odi=30)
    e["P6"] = patient_enrolled(clinic, bob, baseline_pain=0, baseline_odi=10)
    e["P7"] = patient_enrolled(clinic, bob, baseline_pain=10)
    e["P8"] = patient_enrolled(clinic, bob, baseline_pain=9)
    record(e["P1"], "d14", nrs_now=5, nrs_avg=4, odi=30, meds="less", pgic="much_better")
    record(e["P2"], "d14", nrs_avg=5, odi=42, meds="more")
    record(e["P3"], "d14", nrs_avg=5, odi=26, meds="none", pgic="a_little_better")
    record(e["P4"], "d14", nrs_avg=3, odi=20, meds="same")
    record(e["P5"], "d14", nrs_avg=6, odi=30, meds="same", pgic="a_little_worse")
    record(e["P6"], "d14", nrs_avg=0, odi=12, meds="less")
    set_status(e["P7"], "d14", "missed")
    record(e["P8"], "d14", status="missed", nrs_now=4)
    record(e["P1"], "m3", nrs_avg=6, odi=44, meds="same")
    set_status(e["P2"], "m3", "missed")
    set_status(e["P3"], "m3", "open")
    withdraw(e["P5"])
    # Outside bob's view: erin's patient in the same clinic, dora's in another clinic. Both would
    # change every figure if they leaked in.
    e["erin"] = patient_enrolled(clinic, erin, baseline_pain=9, baseline_odi=80)
    record(e["erin"], "d14", nrs_avg=0, odi=0, meds="none")
    e["dora"] = patient_enrolled(other_clinic, dora, baseline_pain=2, baseline_odi=10)
    record(e["dora"], "d14", nrs_avg=10, odi=90, meds="more")
    return e


def summary_for(user, **filters):
    access = outcome_access(user=user)
    f = CohortFilters(**filters)
    checkpoints = cohort_checkpoints(
        enrollments=cohort_enrollments(access=access, filters=f), filters=f
    )
    return {row.key: row for row in cohort_checkpoint_summary(checkpoints=checkpoints)}


def test_it_counts_due_and_responded_checks(cohort, bob):
    d14 = summary_for(bob)["d14"]
    assert (d14.enrollments, d14.due, d14.responded, d14.missed, d14.open) == (8, 8, 7, 2, 0)
    assert d14.response_rate == Decimal("87.5")


def test_it_computes_pain_change_mean_median_and_interval(cohort, bob):
    pain = summary_for(bob)["d14"].pain
    assert (pain.scored, pain.n, pain.without_baseline) == (7, 6, 1)
    assert pain.mean_1dp == Decimal("-1.8")
    assert abs(pain.mean - Decimal("-1.833333")) < Decimal("0.000001")
    assert pain.median == Decimal("-1.5")
    assert abs(pain.sd - Decimal("2.316607")) < Decimal("0.000001")
    assert pain.ci_1dp == (Decimal("-4.3"), Decimal("0.6"))
    assert abs(pain.ci[0] - Decimal("-4.264463")) < Decimal("0.00001")


def test_it_counts_mcid_responders_and_worse_for_pain(cohort, bob):
    pain = summary_for(bob)["d14"].pain
    assert (pain.mcid, pain.responders, pain.worse) == (3, 2, 1)
    assert pain.mcid_share == Decimal("50.0")
    assert pain.responder_share == Decimal("33.3")
    assert pain.worse_share == Decimal("16.7")


def test_it_computes_odi_figures(cohort, bob):
    odi = summary_for(bob)["d14"].odi
    assert (odi.scored, odi.n, odi.mcid, odi.worse) == (6, 5, 2, 2)
    assert odi.mean == Decimal("-5.2")
    assert odi.median == Decimal("0")
    assert odi.ci_1dp == (Decimal("-17.2"), Decimal("6.8"))
    assert odi.mcid_share == Decimal("40.0")
    assert odi.worse_share == Decimal("40.0")
    assert odi.responders is None


def test_it_leaves_missed_cancelled_and_future_checks_out_of_the_denominator(cohort, bob):
    m3 = summary_for(bob)["m3"]
    assert (m3.due, m3.responded, m3.missed, m3.open, m3.not_yet_due, m3.not_sent) == (
        3,
        1,
        1,
        1,
        4,
        1,
    )
    assert m3.response_rate == Decimal("33.3")
    assert (m3.pain.n, m3.pain.mean, m3.pain.median, m3.pain.mcid, m3.pain.responders) == (
        1,
        Decimal("-2"),
        Decimal("-2"),
        1,
        0,
    )
    assert m3.pain.ci is None  # one patient: no interval
    assert (m3.odi.n, m3.odi.mcid) == (1, 0)


def test_it_can_exclude_withdrawn_enrollments(cohort, bob):
    d14 = summary_for(bob, include_withdrawn=False)["d14"]
    assert (d14.due, d14.responded, d14.pain.n) == (7, 6, 5)
    assert d14.pain.mean == Decimal("-2.4")
    assert d14.pain.median == Decimal("-2")
    assert (d14.pain.mcid, d14.pain.worse) == (3, 0)
    assert "m3" in summary_for(bob, include_withdrawn=False)
    assert summary_for(bob, include_withdrawn=False)["m3"].not_sent == 0


def test_it_filters_by_checkpoint_date_and_procedure(cohort, bob, clinic):
    assert set(summary_for(bob, checkpoint="d14")) == {"d14"}
    assert summary_for(bob, procedure="VA") == {}
    assert summary_for(bob, performed_from=dt.date(2026, 1, 6)) == {}
    assert summary_for(bob, performed_to=dt.date(2026, 1, 5))["d14"].due == 8
    assert summary_for(bob, clinic_id=clinic.pk)["d14"].due == 8


def test_it_orders_checkpoints_by_time(cohort, bob):
    access = outcome_access(user=bob)
    f = CohortFilters()
    rows = cohort_checkpoint_summary(
        checkpoints=cohort_checkpoints(
            enrollments=cohort_enrollments(access=access, filters=f), filters=f
        )
    )
    assert [r.key for r in rows] == ["d14", "m3", "m6", "m12"]


def test_it_groups_by_physician_for_a_clinic_wide_viewer(cohort, clinic, bob, erin):
    admin = MembershipFactory(
        user=UserFactory(username="frank"), clinic=clinic, role=Role.CLINIC_ADMIN
    ).user
    access = outcome_access(user=admin)
    f = CohortFilters(checkpoint="d14")
    checkpoints = cohort_checkpoints(
        enrollments=cohort_enrollments(access=access, filters=f), filters=f
    )
    rows = {
        r.group_id: r for r in cohort_checkpoint_summary(checkpoints=checkpoints, group="physician")
    }
    assert rows[str(bob.pk)].pain.n == 6
    assert rows[str(erin.pk)].pain.n == 1
    assert rows[str(erin.pk)].pain.mean == Decimal("-9")
    total = cohort_checkpoint_summary(checkpoints=checkpoints)[0]
    assert (total.due, total.pain.n, total.pain.mcid) == (9, 7, 4)


def test_it_rejects_an_unknown_grouping_and_a_reversed_date_range():
    with pytest.raises(ValueError):
        CohortFilters(group="patient")
    with pytest.raises(ValueError):
        CohortFilters(performed_from=dt.date(2026, 2, 1), performed_to=dt.date(2026, 1, 1))
    with pytest.raises(ValueError):
        cohort_checkpoint_summary(checkpoints=Checkpoint.objects.none(), group="nope")


def test_it_reports_medicine_use_and_global_impression(cohort, bob):
    access = outcome_access(user=bob)
    f = CohortFilters()
    trends = {
        t.key: t
        for t in cohort_choice_trend(
            checkpoints=cohort_checkpoints(
                enrollments=cohort_enrollments(access=access, filters=f), filters=f
            )
        )
    }
    d14 = trends["d14"]
    assert d14.meds == {"less": 2, "same": 2, "more": 1, "none": 1}
    assert d14.meds_share("less") == Decimal("33.3")
    assert d14.pgic_total == 3
    assert d14.pgic_better_share == Decimal("66.7")
    assert trends["m3"].meds == {"less": 0, "same": 1, "more": 0, "none": 0}
    assert list(trends) == ["d14", "m3"]


def test_the_database_change_agrees_with_the_python_rule(cohort):
    rows = with_outcomes(Checkpoint.objects.all()).values(
        "pain",
        "base_pain",
        "nrs_change",
        "nrs_mcid",
        "nrs_responder",
        "nrs_worse",
        "odi",
        "base_odi",
        "odi_change",
        "odi_mcid",
        "odi_worse",
    )
    compared = 0
    for row in rows:
        py = change_from_baseline(measure="NRS", baseline=row["base_pain"], value=row["pain"])
        if py is None:
            assert row["nrs_change"] is None and row["nrs_mcid"] is None
        else:
            compared += 1
            assert (py.points, py.mcid, py.responder, py.worse) == (
                row["nrs_change"],
                row["nrs_mcid"],
                row["nrs_responder"],
                row["nrs_worse"],
            )
        py = change_from_baseline(measure="ODI", baseline=row["base_odi"], value=row["odi"])
        if py is None:
            assert row["odi_change"] is None and row["odi_mcid"] is None
        else:
            assert (py.points, py.mcid, py.worse) == (
                row["odi_change"],
                row["odi_mcid"],
                row["odi_worse"],
            )
    assert compared == 9  # 7 of bob's scored d14/m3 checks with baseline, erin's, dora's
