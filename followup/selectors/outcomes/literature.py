"""The literature panel: a cohort's figures beside published ranges for the same procedure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from followup.outcomes.literature import LITERATURE, SMALL_N, LiteratureRange, compare_with_range
from followup.outcomes.stats import round_half_up, share, wilson_interval

from ...models import (
    Enrollment,
    Flag,
)
from .safety import enrollment_reached


@dataclass(frozen=True)
class LiteratureComparison:
    ref: LiteratureRange
    observed: int
    followed: int
    ci: tuple[float, float] | None
    verdict: str

    @property
    def rate(self) -> Decimal | None:
        return share(self.observed, self.followed)

    @property
    def ci_pct(self) -> tuple[Decimal, Decimal] | None:
        if self.ci is None:
            return None
        return round_half_up(self.ci[0] * 100, 1), round_half_up(self.ci[1] * 100, 1)

    @property
    def small_n(self) -> bool:
        return self.followed < SMALL_N


def cohort_literature(*, enrollments: QuerySet[Enrollment]) -> list[LiteratureComparison]:
    """Observed flag rates for every literature row whose procedure is in the cohort: one query."""
    aggs = {}
    for ref in LITERATURE:
        flag_q = Q(enrollment=OuterRef("pk"))
        if ref.rule_codes:
            flag_q &= Q(rule_code__in=ref.rule_codes)
        if ref.tiers:
            flag_q &= Q(tier__in=ref.tiers)
        aggs[f"obs__{ref.key}"] = Count(
            "pk", filter=Q(procedure=ref.procedure) & Q(Exists(Flag.objects.filter(flag_q)))
        )
    for procedure in {ref.procedure for ref in LITERATURE}:
        aggs[f"followed__{procedure}"] = Count(
            "pk", filter=Q(procedure=procedure) & enrollment_reached()
        )
    totals = enrollments.order_by().aggregate(**aggs)
    out = []
    for ref in LITERATURE:
        followed = totals[f"followed__{ref.procedure}"]
        if not followed:
            continue
        observed = totals[f"obs__{ref.key}"]
        ci = wilson_interval(successes=observed, n=followed)
        out.append(
            LiteratureComparison(
                ref=ref,
                observed=observed,
                followed=followed,
                ci=ci,
                verdict=compare_with_range(
                    ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None, ref=ref
                ),
            )
        )
    return out
