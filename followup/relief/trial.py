"""SCS trial summary for the implant decision, and the plain-text note of a diagnostic block.

Trial summary (project rule, reviewable): relief per day is computed from the diary's pain score
against the pre-trial baseline when there is one, else the patient's own percent-relief answer;
the trial meets SCS_TRIAL when the mean daily relief reaches the rule's threshold AND function
was reported better on at least half of the diary days (the rule asks for relief *with*
functional improvement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .arithmetic import Reading, percent_relief
from .assess import CANNOT, MET, NOT_MET, Assessment
from .rules import RELIEF_RULES, ReliefRule

FUNCTION_VALUES = ("better", "same", "worse")
MEDS_VALUES = ("less", "same", "more")


@dataclass(frozen=True)
class TrialDay:
    day: int
    pain: int | None = None
    reported_relief: int | None = None  # the patient's own 0-100 % answer
    function: str | None = None  # better / same / worse
    meds: str | None = None  # less / same / more


@dataclass(frozen=True)
class TrialSummary:
    days: int
    answered_days: int
    mean_pain: Decimal | None
    mean_relief: Decimal | None
    relief_basis: str  # "pain against baseline" or "patient-reported percent"
    days_at_threshold: int
    function_better_days: int
    meds: dict[str, int]
    assessment: Assessment


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def scs_trial_summary(
    *, baseline: int | None, days: Sequence[TrialDay], trial_days: int
) -> TrialSummary:
    rule: ReliefRule = RELIEF_RULES["SCS_TRIAL"]
    for d in days:
        if d.function not in (None, *FUNCTION_VALUES) or d.meds not in (None, *MEDS_VALUES):
            raise ValueError(f"day {d.day}: unknown function or medication answer")
        if d.reported_relief is not None and not 0 <= d.reported_relief <= 100:
            raise ValueError(f"day {d.day}: reported relief must be 0-100")
    answered = [d for d in days if d.pain is not None or d.reported_relief is not None]
    from_pain = [
        percent_relief(baseline, d.pain).percent
        for d in answered
        if d.pain is not None and baseline not in (None, 0)
    ]
    if from_pain:
        reliefs, basis = from_pain, "pain against baseline"
    else:
        reliefs = [Decimal(d.reported_relief) for d in answered if d.reported_relief is not None]
        basis = "patient-reported percent"
    mean_relief = _mean(reliefs)
    better = sum(1 for d in answered if d.function == "better")
    if mean_relief is None:
        assessment = Assessment(rule, CANNOT, "no diary day with pain or relief answered")
    else:
        relief_ok = mean_relief >= rule.min_relief_percent
        function_ok = better * 2 >= len(answered)
        status = MET if relief_ok and function_ok else NOT_MET
        reason = (
            f"mean relief {mean_relief} % ({basis}) over {len(answered)} of {trial_days} days; "
            f"function better on {better} of {len(answered)} days"
        )
        assessment = Assessment(rule, status, reason, mean_relief)
    pains = [Decimal(d.pain) for d in answered if d.pain is not None]
    return TrialSummary(
        days=trial_days,
        answered_days=len(answered),
        mean_pain=_mean(pains),
        mean_relief=mean_relief,
        relief_basis=basis,
        days_at_threshold=sum(1 for r in reliefs if r >= rule.min_relief_percent),
        function_better_days=better,
        meds={v: sum(1 for d in answered if d.meds == v) for v in MEDS_VALUES},
        assessment=assessment,
    )


def block_note(
    *,
    block_at: dt.datetime,
    tz_name: str,
    anaesthetic_label: str,
    baseline: int | None,
    readings: Sequence[Reading],
    assessment: Assessment,
) -> str:
    """The exportable chart note of one diagnostic block: readings, relief, verdict, rule, source.

    No name or identifier: the chart it is pasted into identifies the patient.
    """
    import zoneinfo

    tz = zoneinfo.ZoneInfo(tz_name)
    lines = [
        f"Diagnostic block {block_at.astimezone(tz):%Y-%m-%d %H:%M} ({tz_name}), "
        f"{anaesthetic_label}.",
        "Pre-block pain: " + ("not recorded" if baseline is None else f"{baseline}/10") + ".",
    ]
    for r in sorted(readings, key=lambda r: r.at):
        hours = Decimal((r.at - block_at).total_seconds()) / 3600
        when = f"{hours.quantize(Decimal('0.1')).normalize():f} h"
        if r.pain is None:
            lines.append(f"- {when}: no answer")
        else:
            lines.append(f"- {when}: pain {r.pain}/10, {percent_relief(baseline, r.pain)}")
    lines.append(f"{assessment.rule.title}: {assessment.status.upper()} - {assessment.reason}.")
    lines.append(f"Rule: {assessment.rule.summary}. Source: {assessment.rule.source}.")
    return "\n".join(lines)
