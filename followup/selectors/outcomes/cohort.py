"""Cohort figures per checkpoint and medicine use (red flags: ``safety``; literature: ``literature``).

Every function here issues a fixed number of aggregate queries whatever the cohort size; Python
only turns the handful of aggregate rows into dataclasses and adds the t interval.

Definitions (shown on the page, tested in ``tests/followup/test_outcomes_cohort.py``):

- due: the check was sent or should have been (open, completed or missed). Scheduled checks are
  not due yet; cancelled (withdrawal) and skipped (enrolled after the window) are not counted.
- responded: a due check with at least one recorded answer. Response rate = responded / due.
- change figures: due checks with both a score and a baseline. A patient without baseline counts
  in due and responded but in no change figure; the page shows how many were left out.
- withdrawn enrollments are included by default: their checks that fell due before withdrawal
  keep counting, so patients who leave because the procedure failed do not flatter the results.
  The "exclude withdrawn" filter drops them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
)

from followup.outcomes.stats import mean_ci, round_half_up, share
from followup.outcomes.timeline import checkpoint_label, checkpoint_sort_key
from followup.questions import QUESTIONS

from ...models import (
    Answer,
    AnswerStatus,
    Checkpoint,
    Enrollment,
    EnrollmentStatus,
    Tier,
)
from .expressions import DUE_STATUSES, Median, SampleStdDev, with_outcomes
from .scope import OutcomeAccess, outcome_enrollments

GROUPS = {
    "": (),
    "procedure": ("enrollment__procedure",),
    "physician": (
        "enrollment__physician_id",
        "enrollment__physician__username",
        "enrollment__physician__first_name",
        "enrollment__physician__last_name",
    ),
}
TIERS = (Tier.EMERGENCY, Tier.URGENT, Tier.ROUTINE)
MEDS_VALUES = tuple(o["value"] for o in QUESTIONS["MEDS"]["options"])
PGIC_VALUES = tuple(o["value"] for o in QUESTIONS["PGIC"]["options"])  # earlier 5-point scale
PGIC7_VALUES = tuple(o["value"] for o in QUESTIONS["PGIC7"]["options"])
# Farrar et al., Pain 2001: "much" or "very much improved" is the clinically important change.
PGIC7_IMPROVED = ("very_much_improved", "much_improved")


@dataclass(frozen=True)
class CohortFilters:
    procedure: str = ""
    physician_id: int | None = None
    clinic_id: int | None = None
    performed_from: dt.date | None = None
    performed_to: dt.date | None = None
    checkpoint: str = ""
    include_withdrawn: bool = True
    group: str = ""

    def __post_init__(self) -> None:
        if self.group not in GROUPS:
            raise ValueError(f"unknown grouping {self.group!r}")
        if self.performed_from and self.performed_to and self.performed_from > self.performed_to:
            raise ValueError("the date range ends before it starts")


def cohort_enrollments(*, access: OutcomeAccess, filters: CohortFilters) -> QuerySet[Enrollment]:
    qs = outcome_enrollments(access=access)
    if filters.procedure:
        qs = qs.filter(procedure=filters.procedure)
    if filters.physician_id:
        qs = qs.filter(physician_id=filters.physician_id)
    if filters.clinic_id:
        qs = qs.filter(clinic_id=filters.clinic_id)
    if filters.performed_from:
        qs = qs.filter(performed_on__gte=filters.performed_from)
    if filters.performed_to:
        qs = qs.filter(performed_on__lte=filters.performed_to)
    if not filters.include_withdrawn:
        qs = qs.exclude(status=EnrollmentStatus.WITHDRAWN)
    return qs


def cohort_checkpoints(
    *, enrollments: QuerySet[Enrollment], filters: CohortFilters
) -> QuerySet[Checkpoint]:
    qs = Checkpoint.objects.filter(enrollment__in=enrollments.order_by().values("pk"))
    if filters.checkpoint:
        qs = qs.filter(key=filters.checkpoint)
    return qs


# --- per-checkpoint outcome summary -----------------------------------------------------------
@dataclass(frozen=True)
class MeasureSummary:
    """Change from baseline of one measure at one checkpoint (points; negative = better)."""

    measure: str
    scored: int  # due checks with a score
    n: int  # ... and a baseline: the denominator of every figure below
    mean: Decimal | None
    sd: Decimal | None
    median: Decimal | None
    ci: tuple[Decimal, Decimal] | None
    mcid: int
    worse: int
    responders: int | None = None  # pain only: >= 50 % reduction
    value_mean: Decimal | None = None  # mean score itself, for context

    @property
    def without_baseline(self) -> int:
        return self.scored - self.n

    @property
    def mcid_share(self) -> Decimal | None:
        return share(self.mcid, self.n)

    @property
    def worse_share(self) -> Decimal | None:
        return share(self.worse, self.n)

    @property
    def responder_share(self) -> Decimal | None:
        return None if self.responders is None else share(self.responders, self.n)

    @property
    def mean_1dp(self) -> Decimal | None:
        return None if self.mean is None else round_half_up(self.mean, 1)

    @property
    def median_1dp(self) -> Decimal | None:
        return None if self.median is None else round_half_up(self.median, 1)

    @property
    def ci_1dp(self) -> tuple[Decimal, Decimal] | None:
        return None if self.ci is None else tuple(round_half_up(v, 1) for v in self.ci)


@dataclass(frozen=True)
class CheckpointSummary:
    key: str
    label: str
    group: str  # "" for the whole cohort, else the procedure code or physician name
    group_id: str
    enrollments: int
    due: int
    responded: int
    open: int
    missed: int
    not_yet_due: int
    not_sent: int  # cancelled at withdrawal or skipped at late enrollment
    pain: MeasureSummary
    odi: MeasureSummary
    vas_scored: int = 0
    # The NDI (cervical procedures) and back and leg pain reported apart (issue 23).
    ndi: MeasureSummary | None = None
    back: MeasureSummary | None = None
    leg: MeasureSummary | None = None

    @property
    def response_rate(self) -> Decimal | None:
        return share(self.responded, self.due)


def _measure_aggregates(name: str, value: str, *, responder: bool) -> dict:
    due = Q(status__in=DUE_STATUSES)
    with_change = due & Q(**{f"{name}_change__isnull": False})
    aggs = {
        f"{name}_scored": Count("pk", filter=due & Q(**{f"{value}__isnull": False})),
        f"{name}_n": Count("pk", filter=with_change),
        f"{name}_mean": Avg(f"{name}_change", filter=with_change),
        f"{name}_sd": SampleStdDev(f"{name}_change", filter=with_change),
        # Median of 10 x change: scores have one decimal, so 10 x change is a whole number and
        # the interpolated median is exact in floating point (x.0 or x.5), then divided back.
        f"{name}_median10": Median(
            F(f"{name}_change") * 10, filter=with_change, output_field=FloatField()
        ),
        f"{name}_mcid": Count("pk", filter=with_change & Q(**{f"{name}_mcid": True})),
        f"{name}_worse": Count("pk", filter=with_change & Q(**{f"{name}_worse": True})),
        f"{name}_value_mean": Avg(value, filter=due),
    }
    if responder:
        aggs[f"{name}_responders"] = Count(
            "pk", filter=with_change & Q(**{f"{name}_responder": True})
        )
    return aggs


def _measure(row: dict, name: str, *, responder: bool) -> MeasureSummary:
    n = row[f"{name}_n"]
    mean, sd = row[f"{name}_mean"], row[f"{name}_sd"]
    median10 = row[f"{name}_median10"]
    median = None if median10 is None else Decimal(repr(median10)) / 10
    return MeasureSummary(
        measure=name.upper(),
        scored=row[f"{name}_scored"],
        n=n,
        mean=None if mean is None else Decimal(mean),
        sd=None if sd is None else Decimal(sd),
        median=median,
        ci=mean_ci(n=n, mean=mean, sd=sd),
        mcid=row[f"{name}_mcid"],
        worse=row[f"{name}_worse"],
        responders=row[f"{name}_responders"] if responder else None,
        value_mean=row[f"{name}_value_mean"],
    )


def _group_label(group: str, row: dict) -> tuple[str, str]:
    if group == "procedure":
        return row["enrollment__procedure"], row["enrollment__procedure"]
    if group == "physician":
        full = " ".join(
            p
            for p in (
                row["enrollment__physician__first_name"],
                row["enrollment__physician__last_name"],
            )
            if p
        )
        return full or row["enrollment__physician__username"], str(row["enrollment__physician_id"])
    return "", ""


def cohort_checkpoint_summary(
    *, checkpoints: QuerySet[Checkpoint], group: str = ""
) -> list[CheckpointSummary]:
    """One aggregate query: a row per checkpoint key (and per group), in time order."""
    if group not in GROUPS:
        raise ValueError(f"unknown grouping {group!r}")
    due = Q(status__in=DUE_STATUSES)
    rows = (
        with_outcomes(checkpoints)
        .order_by()
        .values(*GROUPS[group], "key")
        .annotate(
            enrollments=Count("enrollment", distinct=True),
            due=Count("pk", filter=due),
            responded=Count("pk", filter=due & Q(responded=True)),
            open_=Count("pk", filter=Q(status="open")),
            missed=Count("pk", filter=Q(status="missed")),
            not_yet_due=Count("pk", filter=Q(status="scheduled")),
            not_sent=Count("pk", filter=Q(status__in=("cancelled", "skipped"))),
            vas_scored=Count("pk", filter=due & Q(vas__isnull=False)),
            **_measure_aggregates("nrs", "pain", responder=True),
            **_measure_aggregates("odi", "odi", responder=False),
            **_measure_aggregates("ndi", "ndi", responder=False),
            **_measure_aggregates("back", "pain_back", responder=False),
            **_measure_aggregates("leg", "pain_leg", responder=False),
        )
    )
    out = []
    for row in rows:
        label, group_id = _group_label(group, row)
        out.append(
            CheckpointSummary(
                key=row["key"],
                label=checkpoint_label(row["key"]),
                group=label,
                group_id=group_id,
                enrollments=row["enrollments"],
                due=row["due"],
                responded=row["responded"],
                open=row["open_"],
                missed=row["missed"],
                not_yet_due=row["not_yet_due"],
                not_sent=row["not_sent"],
                pain=_measure(row, "nrs", responder=True),
                odi=_measure(row, "odi", responder=False),
                vas_scored=row["vas_scored"],
                ndi=_measure(row, "ndi", responder=False),
                back=_measure(row, "back", responder=False),
                leg=_measure(row, "leg", responder=False),
            )
        )
    out.sort(key=lambda s: (s.group.lower(), checkpoint_sort_key(s.key)))
    return out


# --- medicine use and global impression -------------------------------------------------------
@dataclass(frozen=True)
class ChoiceTrend:
    key: str
    label: str
    meds: dict[str, int]
    pgic: dict[str, int]  # the earlier 5-point scale; never pooled with pgic7
    pgic7: dict[str, int]

    @property
    def meds_total(self) -> int:
        return sum(self.meds.values())

    @property
    def pgic_total(self) -> int:
        return sum(self.pgic.values())

    def meds_share(self, value: str) -> Decimal | None:
        return share(self.meds.get(value, 0), self.meds_total)

    @property
    def meds_shares(self) -> list[tuple[str, int, Decimal | None]]:
        return [(v, self.meds[v], share(self.meds[v], self.meds_total)) for v in MEDS_VALUES]

    @property
    def pgic_shares(self) -> list[tuple[str, int, Decimal | None]]:
        return [(v, self.pgic[v], share(self.pgic[v], self.pgic_total)) for v in PGIC_VALUES]

    @property
    def pgic_better_share(self) -> Decimal | None:
        better = self.pgic.get("much_better", 0) + self.pgic.get("a_little_better", 0)
        return share(better, self.pgic_total)

    @property
    def pgic7_total(self) -> int:
        return sum(self.pgic7.values())

    @property
    def pgic7_improved_share(self) -> Decimal | None:
        improved = sum(self.pgic7.get(v, 0) for v in PGIC7_IMPROVED)
        return share(improved, self.pgic7_total)


def cohort_choice_trend(*, checkpoints: QuerySet[Checkpoint]) -> list[ChoiceTrend]:
    """Pain-medicine use (less/same/more/none) and PGIC per checkpoint: one query."""
    aggs = {f"meds__{v}": Count("pk", filter=Q(question_code="MEDS", value=v)) for v in MEDS_VALUES}
    aggs |= {
        f"pgic__{v}": Count("pk", filter=Q(question_code="PGIC", value=v)) for v in PGIC_VALUES
    }
    aggs |= {
        f"pgic7__{v}": Count("pk", filter=Q(question_code="PGIC7", value=v)) for v in PGIC7_VALUES
    }
    rows = (
        Answer.objects.filter(
            checkpoint__in=checkpoints.order_by().values("pk"),
            checkpoint__status__in=DUE_STATUSES,
            status=AnswerStatus.ANSWERED,
            question_code__in=("MEDS", "PGIC", "PGIC7"),
        )
        .order_by()
        .values("checkpoint__key")
        .annotate(**aggs)
    )
    out = [
        ChoiceTrend(
            key=row["checkpoint__key"],
            label=checkpoint_label(row["checkpoint__key"]),
            meds={v: row[f"meds__{v}"] for v in MEDS_VALUES},
            pgic={v: row[f"pgic__{v}"] for v in PGIC_VALUES},
            pgic7={v: row[f"pgic7__{v}"] for v in PGIC7_VALUES},
        )
        for row in rows
    ]
    out.sort(key=lambda t: checkpoint_sort_key(t.key))
    return out


# --- red flags and escalations ------------------------------------------------------------------
