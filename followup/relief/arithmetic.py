"""Percent relief against a baseline, and how long relief above a threshold lasted.

Relief % = (baseline - pain) / baseline x 100, rounded half-up to one decimal. The edge cases
give no silent number:
- no baseline (or no score): no figure, and the reason says which is missing;
- a baseline of 0: no percent (nothing to relieve), the reason says so;
- pain above the baseline: a negative relief, which pages show as "worse", never as 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

NO_BASELINE = "no pre-procedure pain score"
NO_SCORE = "no pain score"
ZERO_BASELINE = "pre-procedure pain was 0: there was no pain to relieve"


@dataclass(frozen=True)
class Relief:
    percent: Decimal | None
    reason: str = ""  # why there is no percent

    @property
    def worse(self) -> bool:
        return self.percent is not None and self.percent < 0

    def meets(self, threshold: Decimal) -> bool:
        return self.percent is not None and self.percent >= threshold

    def __str__(self) -> str:
        if self.percent is None:
            return f"no figure ({self.reason})"
        if self.worse:
            return f"{-self.percent} % worse"
        return f"{self.percent} % relief"


def _number(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        raise ValueError(f"{what} must be a number, not {value!r}")
    number = Decimal(str(value))
    if not Decimal(0) <= number <= Decimal(10):
        raise ValueError(f"{what} {value!r} is outside 0-10")
    return number


def percent_relief(baseline: object, pain: object) -> Relief:
    """Relief of an NRS 0-10 ``pain`` against ``baseline``; see the module docstring."""
    if baseline is None:
        return Relief(None, NO_BASELINE)
    if pain is None:
        return Relief(None, NO_SCORE)
    base = _number(baseline, "baseline pain")
    now = _number(pain, "pain")
    if base == 0:
        return Relief(None, ZERO_BASELINE)
    percent = ((base - now) / base * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Relief(percent)


@dataclass(frozen=True)
class Reading:
    at: dt.datetime
    pain: int | Decimal | None


@dataclass(frozen=True)
class ReliefSpan:
    """How long relief >= threshold lasted from ``start``, read from timed pain scores."""

    lasted: dt.timedelta | None  # up to the last consecutive reading at or above the threshold
    ended: bool  # a later reading fell below the threshold (False: still holding when last read)
    readings: int
    reason: str = ""


def relief_duration(
    *, baseline: object, start: dt.datetime, readings: Sequence[Reading], threshold: Decimal
) -> ReliefSpan:
    """From ``start`` (the procedure), the time up to the last reading of the first unbroken run
    of readings at or above ``threshold``. Unanswered readings (pain None) neither extend nor
    break the run: a missed prompt is not evidence that relief ended.
    """
    answered = sorted((r for r in readings if r.pain is not None), key=lambda r: r.at)
    if baseline is None:
        return ReliefSpan(None, False, len(answered), NO_BASELINE)
    if not answered:
        return ReliefSpan(None, False, 0, NO_SCORE)
    last_ok: dt.datetime | None = None
    for reading in answered:
        relief = percent_relief(baseline, reading.pain)
        if relief.percent is None:
            return ReliefSpan(None, False, len(answered), relief.reason)
        if relief.meets(threshold):
            last_ok = reading.at
            continue
        return ReliefSpan(None if last_ok is None else last_ok - start, True, len(answered))
    return ReliefSpan(None if last_ok is None else last_ok - start, False, len(answered))
