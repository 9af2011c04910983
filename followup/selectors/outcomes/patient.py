"""One enrollment's trend: every check with its scores and change, flags and escalations.

Four queries whatever the length of follow-up: the enrollment, its annotated checks, its flags,
its escalations. Change figures come from the same SQL as the cohort dashboard.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from followup.instruments.ndi import ndi_band
from followup.odi import odi_band
from followup.outcomes.mcid import Change
from followup.outcomes.stats import round_half_up
from followup.outcomes.timeline import checkpoint_label

from ...models import Checkpoint, Enrollment, Escalation, Flag
from .expressions import DUE_STATUSES, with_choice_answers, with_outcomes
from .scope import OutcomeAccess, outcome_enrollments


@dataclass(frozen=True)
class TrendCheck:
    id: int
    key: str
    label: str
    status: str
    status_reason: str
    target_date: dt.date
    target_day: int
    answered_day: float | None  # days after the procedure when the pain/ODI score was taken
    completed_at: dt.datetime | None
    nrs_now: Decimal | None
    nrs_avg: Decimal | None
    vas: Decimal | None
    odi: Decimal | None
    pain: Decimal | None
    pain_change: Change | None
    odi_change: Change | None
    ndi: Decimal | None  # cervical procedures ask the NDI instead of the ODI
    ndi_change: Change | None
    pain_back: Decimal | None  # back and leg pain, scored apart when the protocol asks them
    back_change: Change | None
    pain_leg: Decimal | None
    leg_change: Change | None
    meds: str | None
    pgic: str | None  # the earlier 5-point scale (question PGIC)
    pgic7: str | None  # the standard 7-point PGIC (question PGIC7)
    days: dict[str, float | None]

    @property
    def odi_band(self) -> str | None:
        return None if self.odi is None else odi_band(self.odi)

    @property
    def ndi_band(self) -> str | None:
        return None if self.ndi is None else ndi_band(self.ndi)

    @property
    def due(self) -> bool:
        return self.status in DUE_STATUSES


@dataclass(frozen=True)
class PatientTrend:
    enrollment: Enrollment
    checks: list[TrendCheck]
    flags: list[Flag]
    escalations: list[Escalation]
    time_zone: str

    @property
    def baseline_pain(self) -> int | None:
        return self.enrollment.baseline_pain

    @property
    def baseline_odi(self) -> Decimal | None:
        return self.enrollment.baseline_odi

    @property
    def baseline_odi_band(self) -> str | None:
        return None if self.baseline_odi is None else odi_band(self.baseline_odi)

    @property
    def baseline_ndi(self) -> Decimal | None:
        return self.enrollment.baseline_ndi

    @property
    def baseline_ndi_band(self) -> str | None:
        return None if self.baseline_ndi is None else ndi_band(self.baseline_ndi)

    @property
    def has_ndi(self) -> bool:
        return self.baseline_ndi is not None or any(c.ndi is not None for c in self.checks)

    @property
    def has_back_leg(self) -> bool:
        """Back or leg pain answered (or a baseline entered): shown apart whenever there is one."""
        e = self.enrollment
        return (
            e.baseline_back_pain is not None
            or e.baseline_leg_pain is not None
            or any(c.pain_back is not None or c.pain_leg is not None for c in self.checks)
        )

    @property
    def latest_ndi(self) -> TrendCheck | None:
        scored = [c for c in self.checks if c.ndi_change is not None]
        return scored[-1] if scored else None

    @property
    def latest_pain(self) -> TrendCheck | None:
        scored = [c for c in self.checks if c.pain_change is not None]
        return scored[-1] if scored else None

    @property
    def latest_odi(self) -> TrendCheck | None:
        scored = [c for c in self.checks if c.odi_change is not None]
        return scored[-1] if scored else None

    def day_of(self, moment: dt.datetime) -> float:
        return days_after(moment, performed_on=self.enrollment.performed_on, tz_name=self.time_zone)

    @property
    def x_max(self) -> float:
        days = [float(c.target_day) for c in self.checks if c.status != "skipped"]
        days += [self.day_of(f.created_at) for f in self.flags]
        days += [d for c in self.checks for d in c.days.values() if d is not None]
        return max([14.0, *days]) * 1.04


def days_after(moment: dt.datetime, *, performed_on: dt.date, tz_name: str) -> float:
    """Days from the start of the procedure day on the patient's local clock (noon on day 14 is
    14.5 even across a DST change), so chart positions match the dates the patient lives by."""
    try:
        tz = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    start = dt.datetime.combine(performed_on, dt.time(0), tzinfo=tz)
    return (moment.astimezone(tz) - start).total_seconds() / 86400


def _change(measure: str, row: dict, value: str, base: str) -> Change | None:
    name = measure.lower()
    if row[f"{name}_change"] is None:
        return None
    pct = row[f"{name}_change_pct"]
    return Change(
        measure=measure,
        baseline=Decimal(row[base]),
        value=Decimal(row[value]),
        points=Decimal(row[f"{name}_change"]),
        percent=None if pct is None else round_half_up(pct, 1),
        mcid=bool(row[f"{name}_mcid"]),
        responder=bool(row.get(f"{name}_responder")),
        worse=bool(row[f"{name}_worse"]),
    )


def enrollment_for_outcomes(*, access: OutcomeAccess, enrollment_id: int) -> Enrollment:
    """The enrollment if ``access`` covers it; Enrollment.DoesNotExist otherwise (a 404)."""
    return (
        outcome_enrollments(access=access)
        .select_related("patient", "clinic", "physician", "protocol")
        .get(pk=enrollment_id)
    )


def enrollment_trend(*, enrollment: Enrollment) -> PatientTrend:
    rows = (
        with_choice_answers(with_outcomes(Checkpoint.objects.filter(enrollment=enrollment)))
        .order_by("target_date", "pk")
        .values(
            "pk",
            "key",
            "label",
            "status",
            "status_reason",
            "target_date",
            "completed_at",
            "nrs_now",
            "nrs_avg",
            "vas",
            "odi",
            "pain",
            "base_pain",
            "base_odi",
            "nrs_change",
            "nrs_change_pct",
            "nrs_mcid",
            "nrs_responder",
            "nrs_worse",
            "odi_change",
            "odi_change_pct",
            "odi_mcid",
            "odi_worse",
            "ndi",
            "base_ndi",
            "ndi_change",
            "ndi_change_pct",
            "ndi_mcid",
            "ndi_worse",
            "pain_back",
            "base_back",
            "back_change",
            "back_change_pct",
            "back_mcid",
            "back_worse",
            "pain_leg",
            "base_leg",
            "leg_change",
            "leg_change_pct",
            "leg_mcid",
            "leg_worse",
            "ndi_at",
            "pain_back_at",
            "pain_leg_at",
            "nrs_now_at",
            "nrs_avg_at",
            "vas_at",
            "odi_at",
            "pain_at",
            "meds",
            "pgic",
            "pgic7",
        )
    )
    tz_name = enrollment.patient.time_zone
    performed = enrollment.performed_on

    def day(moment):
        return (
            None if moment is None else days_after(moment, performed_on=performed, tz_name=tz_name)
        )

    checks = [
        TrendCheck(
            id=row["pk"],
            key=row["key"],
            label=row["label"] or checkpoint_label(row["key"]),
            status=row["status"],
            status_reason=row["status_reason"],
            target_date=row["target_date"],
            target_day=(row["target_date"] - performed).days,
            answered_day=day(row["pain_at"] or row["odi_at"] or row["ndi_at"]),
            completed_at=row["completed_at"],
            nrs_now=row["nrs_now"],
            nrs_avg=row["nrs_avg"],
            vas=row["vas"],
            odi=row["odi"],
            pain=row["pain"],
            pain_change=_change("NRS", row, "pain", "base_pain"),
            odi_change=_change("ODI", row, "odi", "base_odi"),
            ndi=row["ndi"],
            ndi_change=_change("NDI", row, "ndi", "base_ndi"),
            pain_back=row["pain_back"],
            back_change=_change("BACK", row, "pain_back", "base_back"),
            pain_leg=row["pain_leg"],
            leg_change=_change("LEG", row, "pain_leg", "base_leg"),
            meds=row["meds"],
            pgic=row["pgic"],
            pgic7=row["pgic7"],
            days={
                k: day(row[f"{k}_at"])
                for k in ("nrs_now", "nrs_avg", "vas", "odi", "ndi", "pain_back", "pain_leg")
            },
        )
        for row in rows
    ]
    flags = list(
        Flag.objects.filter(enrollment=enrollment)
        .select_related("checkpoint")
        .order_by("created_at", "pk")
    )
    escalations = list(
        Escalation.objects.filter(enrollment=enrollment).order_by("created_at", "pk")
    )
    return PatientTrend(
        enrollment=enrollment,
        checks=checks,
        flags=flags,
        escalations=escalations,
        time_zone=tz_name,
    )


def enrollment_list(*, enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Enrollments with their latest pain change and counts, for the patient list (one query)."""
    latest = (
        with_outcomes(Checkpoint.objects.filter(enrollment=OuterRef("pk")))
        .filter(nrs_change__isnull=False)
        .order_by("-target_date", "-pk")
    )
    latest_odi = (
        with_outcomes(Checkpoint.objects.filter(enrollment=OuterRef("pk")))
        .filter(odi_change__isnull=False)
        .order_by("-target_date", "-pk")
    )
    latest_ndi = (
        with_outcomes(Checkpoint.objects.filter(enrollment=OuterRef("pk")))
        .filter(ndi_change__isnull=False)
        .order_by("-target_date", "-pk")
    )
    return (
        enrollments.select_related("patient", "physician", "clinic")
        .annotate(
            latest_key=Subquery(latest.values("key")[:1]),
            latest_pain=Subquery(latest.values("pain")[:1]),
            latest_pain_change=Subquery(latest.values("nrs_change")[:1]),
            latest_pain_mcid=Subquery(latest.values("nrs_mcid")[:1]),
            latest_odi=Subquery(latest_odi.values("odi")[:1]),
            latest_odi_change=Subquery(latest_odi.values("odi_change")[:1]),
            # A cervical enrollment asks the NDI instead of the ODI (shown in the same column).
            latest_ndi_change=Subquery(latest_ndi.values("ndi_change")[:1]),
            checks_due=Count(
                "checkpoints", filter=Q(checkpoints__status__in=DUE_STATUSES), distinct=True
            ),
            checks_completed=Count(
                "checkpoints", filter=Q(checkpoints__status="completed"), distinct=True
            ),
            flag_count=Count("flags", distinct=True),
        )
        .order_by("-performed_on", "-pk")
    )
