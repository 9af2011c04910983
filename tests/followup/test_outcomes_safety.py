"""Red-flag and escalation rates, time to acknowledgement, and the literature panel.

Fixture (bob's patients, all with a due d14 check so all eight are "followed"):

ESI x 4: E1 URGENT WOUND (escalated, acked after 30 min) + URGENT ESI_SUGAR (no escalation);
         E2 EMERGENCY WEAKNESS (escalated, acked after 10 min);
         E3 ROUTINE TEXT_REVIEW; E4 nothing, plus an URGENT escalation never acknowledged on E3.
SCS x 3: S1 ROUTINE SCS_COVERAGE + URGENT escalation acked after 50 min;
         S2 URGENT WOUND; S3 EMERGENCY WEAKNESS.
SCS x 1 not followed: every check still scheduled and no flag (S4): counted as enrolled only.

ESI: any flag 3/4 = 75.0 %; EMERGENCY 1/4 = 25.0 %; URGENT 1/4 (two flags, one enrollment);
ROUTINE 1/4. URGENT escalations 2, acknowledged 1, median 30 min.
SCS (followed 3 of 4): any 3/3; URGENT 1/3 = 33.3 %; ROUTINE 1/3; EMERGENCY 1/3.
All: followed 7, any 6/7 = 85.7 %; URGENT escalations 3 (2 acked: 30 and 50 min, median 40 min).

Literature, SCS followed n=3: lead migration 1/3 (Wilson 6.1-79.2 %, consistent with 13.2-22.6);
infection 1/3 (WOUND) consistent with 4-10; epidural haematoma 1/3 (WEAKNESS) "above" 0.03 %;
skin erosion 0/3 (0-56.1 %) consistent with 0.2 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from followup.selectors.outcomes import (
    CohortFilters,
    cohort_enrollments,
    cohort_literature,
    cohort_safety,
    outcome_access,
)

from .outcomes_data import ENROLLED_AT, escalation, flag, patient_enrolled, record

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def enrollments(clinic, bob):
    e = {}
    for name in ("E1", "E2", "E3", "E4"):
        e[name] = patient_enrolled(clinic, bob, procedure="ESI", baseline_pain=7)
        record(e[name], "d14", nrs_avg=5)
    for name in ("S1", "S2", "S3"):
        e[name] = patient_enrolled(clinic, bob, procedure="SCS", baseline_pain=7)
        record(e[name], "d14", nrs_avg=5)
    e["S4"] = patient_enrolled(clinic, bob, procedure="SCS", baseline_pain=7)
    t0 = dt.datetime(2026, 1, 19, 16, 5, tzinfo=dt.UTC)
    flag(e["E1"], "URGENT", "WOUND")
    flag(e["E1"], "URGENT", "ESI_SUGAR")
    escalation(e["E1"], "URGENT", created_at=t0, ack_after=30 * MIN)
    flag(e["E2"], "EMERGENCY", "WEAKNESS")
    escalation(e["E2"], "EMERGENCY", created_at=t0, ack_after=10 * MIN)
    flag(e["E3"], "ROUTINE", "TEXT_REVIEW")
    escalation(e["E3"], "URGENT", created_at=t0, ack_after=None)
    flag(e["S1"], "ROUTINE", "SCS_COVERAGE")
    escalation(e["S1"], "URGENT", created_at=t0, ack_after=50 * MIN)
    flag(e["S2"], "URGENT", "WOUND")
    flag(e["S3"], "EMERGENCY", "WEAKNESS")
    return e


def cohort(user, **filters):
    return cohort_enrollments(access=outcome_access(user=user), filters=CohortFilters(**filters))


def test_it_counts_flag_rates_per_procedure_and_tier(enrollments, bob):
    safety = cohort_safety(enrollments=cohort(bob))
    by_proc = {p.procedure: p for p in safety.procedures}
    esi = by_proc["ESI"]
    assert (esi.enrollments, esi.followed, esi.flagged_any) == (4, 4, 3)
    assert esi.any_rate == Decimal("75.0")
    tiers = {t.tier: t for t in esi.tiers}
    assert (tiers["EMERGENCY"].enrollments_flagged, tiers["EMERGENCY"].rate) == (1, Decimal("25.0"))
    assert (tiers["URGENT"].enrollments_flagged, tiers["URGENT"].flags) == (1, 2)
    assert tiers["ROUTINE"].enrollments_flagged == 1
    scs = by_proc["SCS"]
    assert (scs.enrollments, scs.followed, scs.flagged_any) == (4, 3, 3)
    assert {t.tier: t.rate for t in scs.tiers} == {
        "EMERGENCY": Decimal("33.3"),
        "URGENT": Decimal("33.3"),
        "ROUTINE": Decimal("33.3"),
    }
    assert scs.small_n and esi.small_n


def test_it_reports_escalations_and_median_time_to_acknowledge(enrollments, bob):
    safety = cohort_safety(enrollments=cohort(bob))
    esi = {t.tier: t for t in next(p for p in safety.procedures if p.procedure == "ESI").tiers}
    assert (esi["URGENT"].escalations, esi["URGENT"].acknowledged) == (2, 1)
    assert esi["URGENT"].median_ack == dt.timedelta(minutes=30)
    assert esi["EMERGENCY"].median_ack == dt.timedelta(minutes=10)
    assert esi["ROUTINE"].escalations == 0 and esi["ROUTINE"].median_ack is None
    overall = {t.tier: t for t in safety.overall.tiers}
    assert (overall["URGENT"].escalations, overall["URGENT"].acknowledged) == (3, 2)
    assert overall["URGENT"].median_ack == dt.timedelta(minutes=40)
    assert safety.median_ack_by_tier["URGENT"] == dt.timedelta(minutes=40)
    assert (safety.overall.followed, safety.overall.flagged_any) == (7, 6)
    assert safety.overall.any_rate == Decimal("85.7")


def test_an_empty_cohort_has_no_rates(enrollments, bob):
    safety = cohort_safety(enrollments=cohort(bob, procedure="VA"))
    assert safety.procedures == [] and safety.overall is None
    assert cohort_literature(enrollments=cohort(bob, procedure="VA")) == []


def test_it_puts_observed_flag_rates_beside_the_literature(enrollments, bob):
    rows = {c.ref.key: c for c in cohort_literature(enrollments=cohort(bob))}
    assert {k for k in rows} == {
        "scs_lead_migration",
        "scs_ipg_pain",
        "scs_infection",
        "scs_skin_erosion",
        "scs_pdph",
        "scs_epidural_haematoma",
    }  # ESI has no published rows; VA etc. are not in the cohort
    mig = rows["scs_lead_migration"]
    assert (mig.observed, mig.followed, mig.rate) == (1, 3, Decimal("33.3"))
    assert mig.ci_pct == (Decimal("6.1"), Decimal("79.2"))
    assert mig.verdict == "consistent" and mig.small_n
    assert (rows["scs_infection"].observed, rows["scs_infection"].verdict) == (1, "consistent")
    assert (rows["scs_epidural_haematoma"].observed, rows["scs_epidural_haematoma"].verdict) == (
        1,
        "above",
    )
    assert rows["scs_skin_erosion"].observed == 0
    assert rows["scs_skin_erosion"].ci_pct == (Decimal("0.0"), Decimal("56.1"))


def test_a_flag_before_any_check_still_counts_its_enrollment_as_followed(clinic, bob):
    early = patient_enrolled(clinic, bob, procedure="VA", baseline_pain=8)
    flag(early, "EMERGENCY", "SOB_CHEST", key=None, at=ENROLLED_AT + dt.timedelta(days=1))
    rows = {c.ref.key: c for c in cohort_literature(enrollments=cohort(bob))}
    assert (rows["va_complications"].observed, rows["va_complications"].followed) == (1, 1)
    assert rows["va_infection"].observed == 0
