"""Change from baseline and the minimal clinically important difference (MCID).

Thresholds (DOMAIN.md, from the Ostelo et al. consensus, Spine 2008, and Farrar et al., Pain
2001): an improvement of at least 2 points on the 0-10 pain NRS, 15 on the 0-100 VAS, 10 points
of ODI, or at least 30 % of the baseline on any of them. Back and leg pain, scored apart, use the
pain NRS rule. The NDI: at least 7.5 points of its 0-100 percent score, with no percent-of-baseline
rule (Carreon et al., Spine J 2010; the registry's NDI entry cites the range published).
Interventional pain studies also count "responders" at a pain reduction of at least 50 %.

Conventions shared by the pages, the exports and the SQL in ``followup.selectors.outcomes``:

- change = follow-up minus baseline, so a negative change is an improvement (less pain, less
  disability); "improvement" is the same number with the sign flipped.
- percent change = change / baseline x 100. A baseline of 0 has no percent change (None): there
  is nothing to improve, and dividing by it would make any score "infinitely" worse.
- "at least" is inclusive: an improvement of exactly 2.0 NRS points, or exactly 30 %, counts.
- worse = the follow-up score is strictly above baseline (any worsening, no threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .stats import round_half_up


@dataclass(frozen=True)
class Mcid:
    measure: str
    label: str
    points: Decimal
    percent: Decimal | None  # None: only the points rule (the NDI)
    scale_max: Decimal
    source: str

    def threshold_value(self, baseline: Decimal) -> Decimal:
        """The highest follow-up score that still reaches the MCID from this baseline.

        Reached when improvement >= points OR improvement >= percent of baseline, so the bar is
        the easier (higher) of the two; drawn on the patient chart as a reference line.
        """
        baseline = Decimal(baseline)
        by_points = baseline - self.points
        if self.percent is None:
            return by_points
        by_percent = baseline * (Decimal(100) - self.percent) / Decimal(100)
        return max(by_points, by_percent) if baseline > 0 else by_points


MCID: dict[str, Mcid] = {
    "NRS": Mcid(
        "NRS",
        "Pain NRS (0-10)",
        Decimal("2"),
        Decimal("30"),
        Decimal("10"),
        "Ostelo et al., Spine 2008; Farrar et al., Pain 2001 (about 2 points / 30 %)",
    ),
    "VAS": Mcid(
        "VAS",
        "Pain VAS (0-100)",
        Decimal("15"),
        Decimal("30"),
        Decimal("100"),
        "Ostelo et al., Spine 2008",
    ),
    "ODI": Mcid(
        "ODI",
        "Oswestry Disability Index (%)",
        Decimal("10"),
        Decimal("30"),
        Decimal("100"),
        "Ostelo et al., Spine 2008",
    ),
    "NDI": Mcid(
        "NDI",
        "Neck Disability Index (%)",
        Decimal("7.5"),
        None,
        Decimal("100"),
        "Carreon et al., Spine J 2010;10:469-474 (followup/instruments/registry.py NDI)",
    ),
    "BACK": Mcid(
        "BACK",
        "Back pain NRS (0-10)",
        Decimal("2"),
        Decimal("30"),
        Decimal("10"),
        "As the pain NRS: Farrar et al., Pain 2001; Ostelo et al., Spine 2008",
    ),
    "LEG": Mcid(
        "LEG",
        "Leg pain NRS (0-10)",
        Decimal("2"),
        Decimal("30"),
        Decimal("10"),
        "As the pain NRS: Farrar et al., Pain 2001; Ostelo et al., Spine 2008",
    ),
}

# Share of baseline pain that must go for a "responder" in interventional pain studies.
RESPONDER_PERCENT = Decimal("50")


@dataclass(frozen=True)
class Change:
    measure: str
    baseline: Decimal
    value: Decimal
    points: Decimal
    percent: Decimal | None
    mcid: bool
    responder: bool
    worse: bool

    @property
    def improvement(self) -> Decimal:
        return -self.points


def _checked(name: str, raw: object, scale_max: Decimal) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise ValueError(f"{name} {raw!r} is not a number")
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise ValueError(f"{name} {raw!r} is not a number") from None
    if not value.is_finite() or value < 0 or value > scale_max:
        raise ValueError(f"{name} {raw!r} is outside 0-{scale_max}")
    return value


def change_from_baseline(*, measure: str, baseline: object, value: object) -> Change | None:
    """Change of one follow-up score against baseline; None when either is missing.

    Raises ValueError for an unknown measure or a score outside the instrument's range.
    """
    if measure not in MCID:
        raise ValueError(f"unknown measure {measure!r}; expected one of {sorted(MCID)}")
    if baseline is None or value is None:
        return None
    rule = MCID[measure]
    base = _checked("baseline", baseline, rule.scale_max)
    follow = _checked("value", value, rule.scale_max)
    points = follow - base
    improvement = -points
    percent = None
    if base > 0:
        percent = round_half_up(points * 100 / base, 1)
    # Compared without dividing, so 30 % of 7 (2.1) is not lost to rounding: 10 x improvement
    # >= 3 x baseline is exactly "improvement >= 30 % of baseline".
    by_percent = rule.percent is not None and base > 0 and improvement * 100 >= rule.percent * base
    mcid = improvement >= rule.points or by_percent
    responder = base > 0 and improvement * 100 >= RESPONDER_PERCENT * base
    return Change(
        measure=measure,
        baseline=base,
        value=follow,
        points=points,
        percent=percent,
        mcid=mcid,
        responder=responder,
        worse=points > 0,
    )
