"""Whether documented relief meets a rule (followup/relief/rules.py), with the reason in words.

Three outcomes besides "met": "not met" (a reading fell below the threshold before the duration
was reached), "not yet" (relief holds so far but no reading covers the duration yet) and "cannot
assess" (no baseline, a 0 baseline, or no readings). Never a silent yes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from followup.diaries.anaesthetics import anaesthetic

from .arithmetic import Reading, percent_relief, relief_duration
from .rules import DURATION_TOLERANCE_DAYS, ReliefRule

MET = "met"
NOT_MET = "not met"
NOT_YET = "not yet"
CANNOT = "cannot assess"


@dataclass(frozen=True)
class Assessment:
    rule: ReliefRule
    status: str
    reason: str
    relief: Decimal | None = None  # the relief that decided it (lowest reading in the span)
    lasted: dt.timedelta | None = None

    @property
    def met(self) -> bool:
        return self.status == MET


def _hours(delta: dt.timedelta) -> str:
    hours = Decimal(delta.total_seconds()) / 3600
    return f"{hours.quantize(Decimal('0.1')).normalize():f} h"


def assess_block(
    *,
    rule: ReliefRule,
    baseline: int | None,
    block_at: dt.datetime,
    anaesthetic_name: str,
    readings: Sequence[Reading],
) -> Assessment:
    """One diagnostic block against a rule whose duration is the anaesthetic's."""
    if rule.duration != "anaesthetic":
        raise ValueError(f"{rule.code} is not a diagnostic-block rule")
    expected = dt.timedelta(hours=float(anaesthetic(anaesthetic_name)["expected_hours"]))
    span = relief_duration(
        baseline=baseline, start=block_at, readings=readings, threshold=rule.min_relief_percent
    )
    if span.reason:
        return Assessment(rule, CANNOT, span.reason)
    in_window = [
        percent_relief(baseline, r.pain).percent
        for r in readings
        if r.pain is not None and r.at - block_at <= expected
    ]
    lowest = min(in_window) if in_window else None
    if span.lasted is not None and span.lasted >= expected:
        return Assessment(
            rule,
            MET,
            f"relief >= {rule.min_relief_percent} % lasted at least {_hours(span.lasted)}, "
            f"the anaesthetic's expected {_hours(expected)}",
            lowest,
            span.lasted,
        )
    if span.ended:
        lasted = "never reached" if span.lasted is None else f"lasted only {_hours(span.lasted)}"
        return Assessment(
            rule,
            NOT_MET,
            f"relief >= {rule.min_relief_percent} % {lasted}; {_hours(expected)} expected",
            lowest,
            span.lasted,
        )
    return Assessment(
        rule,
        NOT_YET,
        f"no pain score at or after {_hours(expected)} yet",
        lowest,
        span.lasted,
    )


def assess_blocks(*, rule: ReliefRule, blocks: Sequence[Assessment]) -> Assessment:
    """A series of diagnostic blocks against a rule needing ``rule.blocks`` of them."""
    met = [b for b in blocks if b.met]
    if len(met) >= rule.blocks:
        return Assessment(rule, MET, f"{len(met)} of {rule.blocks} required blocks met the rule")
    failed = [b for b in blocks if b.status == NOT_MET]
    if failed:
        return Assessment(rule, NOT_MET, f"block {blocks.index(failed[0]) + 1}: {failed[0].reason}")
    return Assessment(
        rule, NOT_YET, f"{len(met)} of {rule.blocks} required blocks documented so far"
    )


def assess_sustained(
    *, rule: ReliefRule, baseline: int | None, readings: Sequence[tuple[float, object]]
) -> Assessment:
    """Relief sustained for ``rule.duration`` days: ``readings`` are (day after the procedure,
    pain 0-10). Every scored reading up to the one that covers the duration must meet the
    threshold; a reading within DURATION_TOLERANCE_DAYS of the duration covers it."""
    if not isinstance(rule.duration, int):
        raise ValueError(f"{rule.code} is not a sustained-relief rule")
    scored = sorted((d, p) for d, p in readings if p is not None)
    if baseline is None or not scored:
        reason = percent_relief(baseline, scored[0][1] if scored else None).reason
        return Assessment(rule, CANNOT, reason)
    need = rule.duration - DURATION_TOLERANCE_DAYS
    lowest: Decimal | None = None
    for day, pain in scored:
        relief = percent_relief(baseline, pain)
        if relief.percent is None:
            return Assessment(rule, CANNOT, relief.reason)
        lowest = relief.percent if lowest is None else min(lowest, relief.percent)
        if not relief.meets(rule.min_relief_percent):
            shown = str(relief)
            return Assessment(
                rule,
                NOT_MET,
                f"{shown} on day {round(day)}, below {rule.min_relief_percent} % before day "
                f"{rule.duration}",
                relief.percent,
            )
        if day >= need:
            return Assessment(
                rule,
                MET,
                f"relief >= {rule.min_relief_percent} % at every check through day {round(day)} "
                f"(lowest {lowest} %)",
                lowest,
            )
    return Assessment(
        rule,
        NOT_YET,
        f"relief holds so far (lowest {lowest} %); no check at day {need} or later yet",
        lowest,
    )
