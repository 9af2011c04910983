"""Red flags and escalations of a cohort: rates per tier and procedure, acknowledgement delays.

Same rule as ``cohort``: a fixed number of aggregate queries whatever the cohort size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from followup.outcomes.literature import SMALL_N
from followup.outcomes.stats import share

from ...models import (
    Checkpoint,
    Enrollment,
    Escalation,
    Flag,
)
from .cohort import (
    TIERS,
)
from .expressions import DUE_STATUSES, Median


@dataclass(frozen=True)
class TierRate:
    tier: str
    enrollments_flagged: int
    flags: int
    escalations: int
    acknowledged: int
    median_ack: dt.timedelta | None
    followed: int

    @property
    def rate(self) -> Decimal | None:
        return share(self.enrollments_flagged, self.followed)


@dataclass(frozen=True)
class ProcedureSafety:
    procedure: str
    enrollments: int
    followed: int  # reached: at least one check due, or any flag
    flagged_any: int
    tiers: list[TierRate]

    @property
    def any_rate(self) -> Decimal | None:
        return share(self.flagged_any, self.followed)

    @property
    def small_n(self) -> bool:
        return self.followed < SMALL_N


@dataclass(frozen=True)
class SafetySummary:
    procedures: list[ProcedureSafety]
    overall: ProcedureSafety | None
    median_ack_by_tier: dict[str, dt.timedelta | None] = field(default_factory=dict)


def enrollment_reached() -> Q:
    """Enrollments the follow-up reached: a check fell due or a flag was raised (the denominator)."""
    due = Checkpoint.objects.filter(enrollment=OuterRef("pk"), status__in=DUE_STATUSES)
    return Q(Exists(due)) | Q(Exists(Flag.objects.filter(enrollment=OuterRef("pk"))))


def _ack_delay() -> ExpressionWrapper:
    return ExpressionWrapper(F("acknowledged_at") - F("created_at"), output_field=DurationField())


def cohort_safety(*, enrollments: QuerySet[Enrollment]) -> SafetySummary:
    """Red-flag and escalation rates per procedure and tier; median time to acknowledge.

    Rates are per followed enrollment (reached by at least one due check or flag), counting an
    enrollment once per tier however many flags it raised. Four queries.
    """
    per_tier_flagged = {
        f"flagged_{tier}": Count(
            "pk", filter=Q(Exists(Flag.objects.filter(enrollment=OuterRef("pk"), tier=tier)))
        )
        for tier in TIERS
    }
    base = enrollments.order_by()
    proc_rows = list(
        base.values("procedure").annotate(
            n=Count("pk"),
            followed=Count("pk", filter=enrollment_reached()),
            flagged_any=Count(
                "pk", filter=Q(Exists(Flag.objects.filter(enrollment=OuterRef("pk"))))
            ),
            **per_tier_flagged,
        )
    )
    enrollment_ids = base.values("pk")
    flag_rows = (
        Flag.objects.filter(enrollment__in=enrollment_ids)
        .order_by()
        .values("enrollment__procedure", "tier")
        .annotate(flags=Count("pk"))
    )
    flags = {(r["enrollment__procedure"], r["tier"]): r["flags"] for r in flag_rows}
    esc_rows = (
        Escalation.objects.filter(enrollment__in=enrollment_ids)
        .order_by()
        .values("enrollment__procedure", "tier")
        .annotate(
            n=Count("pk"),
            acked=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            median_ack=Median(_ack_delay(), output_field=DurationField()),
        )
    )
    escalations = {(r["enrollment__procedure"], r["tier"]): r for r in esc_rows}
    overall_esc = {
        r["tier"]: r
        for r in Escalation.objects.filter(enrollment__in=enrollment_ids)
        .order_by()
        .values("tier")
        .annotate(
            n=Count("pk"),
            acked=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            median_ack=Median(_ack_delay(), output_field=DurationField()),
        )
    }

    procedures = []
    for row in sorted(proc_rows, key=lambda r: r["procedure"]):
        proc = row["procedure"]
        tiers = []
        for tier in TIERS:
            esc = escalations.get((proc, tier), {})
            tiers.append(
                TierRate(
                    tier=tier,
                    enrollments_flagged=row[f"flagged_{tier}"],
                    flags=flags.get((proc, tier), 0),
                    escalations=esc.get("n", 0),
                    acknowledged=esc.get("acked", 0),
                    median_ack=esc.get("median_ack"),
                    followed=row["followed"],
                )
            )
        procedures.append(
            ProcedureSafety(
                procedure=proc,
                enrollments=row["n"],
                followed=row["followed"],
                flagged_any=row["flagged_any"],
                tiers=tiers,
            )
        )
    overall = None
    if procedures:
        # Each enrollment has one procedure, so per-procedure counts add up exactly; medians do
        # not add up, hence the separate per-tier escalation query.
        followed = sum(p.followed for p in procedures)
        overall = ProcedureSafety(
            procedure="All",
            enrollments=sum(p.enrollments for p in procedures),
            followed=followed,
            flagged_any=sum(p.flagged_any for p in procedures),
            tiers=[
                TierRate(
                    tier=tier,
                    enrollments_flagged=sum(p.tiers[i].enrollments_flagged for p in procedures),
                    flags=sum(p.tiers[i].flags for p in procedures),
                    escalations=overall_esc.get(tier, {}).get("n", 0),
                    acknowledged=overall_esc.get(tier, {}).get("acked", 0),
                    median_ack=overall_esc.get(tier, {}).get("median_ack"),
                    followed=followed,
                )
                for i, tier in enumerate(TIERS)
            ],
        )
    return SafetySummary(
        procedures=procedures,
        overall=overall,
        median_ack_by_tier={t: overall_esc.get(t, {}).get("median_ack") for t in TIERS},
    )


# --- observed flag rates beside the literature ------------------------------------------------
