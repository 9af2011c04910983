"""Relief figures of one enrollment for the patient's outcome page: percent relief at each scored
check and whether a repeat procedure meets its documented-relief rule."""

from __future__ import annotations

from dataclasses import dataclass

from followup.selectors.outcomes.patient import PatientTrend

from .arithmetic import Relief, percent_relief
from .assess import Assessment, assess_sustained
from .rules import repeat_rules_for


@dataclass(frozen=True)
class CheckRelief:
    key: str
    label: str
    day: float | None
    relief: Relief


@dataclass(frozen=True)
class EnrollmentRelief:
    checks: list[CheckRelief]
    rules: list[Assessment]


def enrollment_relief(*, trend: PatientTrend) -> EnrollmentRelief:
    """Relief since the procedure (pain: 7-day average, else pain now) at every check with a pain
    score, and the repeat-procedure rules of the enrollment's procedure assessed on them."""
    baseline = trend.baseline_pain
    scored = [c for c in trend.checks if c.pain is not None and c.answered_day is not None]
    checks = [
        CheckRelief(c.key, c.label, c.answered_day, percent_relief(baseline, c.pain))
        for c in scored
    ]
    readings = [(c.answered_day, c.pain) for c in scored]
    rules = [
        assess_sustained(rule=rule, baseline=baseline, readings=readings)
        for rule in repeat_rules_for(trend.enrollment.procedure)
    ]
    return EnrollmentRelief(checks=checks, rules=rules)
