"""The triage queue: escalations to work, its filters, its change signature and its choices."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, Max
from django.http import QueryDict
from django.utils import timezone

from patients.models import ClinicMembership, Patient, Role

from ...models import (
    Escalation,
    EscalationStatus,
    Tier,
)
from ...tiers import tier_rank_expression
from .access import (
    escalations_visible,
    visible_clinics,
)

QUEUE_LIMIT = 500
STATUS_CHOICES = {
    "unresolved": [EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED],
    "open": [EscalationStatus.OPEN],
    "acknowledged": [EscalationStatus.ACKNOWLEDGED],
    "resolved": [EscalationStatus.RESOLVED],
}
# Resolved items are history, not work: the queue shows the last week of them on request.
RESOLVED_WINDOW = dt.timedelta(days=7)


@dataclass(frozen=True)
class QueueFilters:
    tier: str = ""
    procedure: str = ""
    physician: int | None = None
    status: str = "unresolved"
    mine: bool = False

    @classmethod
    def from_params(cls, params: QueryDict) -> QueueFilters:
        """Unknown values are dropped, not errors: a stale bookmark still opens the queue."""
        tier = params.get("tier", "")
        status = params.get("status", "unresolved")
        physician = params.get("physician", "")
        return cls(
            tier=tier if tier in Tier.values else "",
            procedure=params.get("procedure", "").strip().upper()[:20],
            physician=int(physician) if physician.isdigit() else None,
            status=status if status in STATUS_CHOICES else "unresolved",
            mine=params.get("mine") in ("1", "on", "true"),
        )

    def as_query(self) -> str:
        from urllib.parse import urlencode

        pairs = {
            "tier": self.tier,
            "procedure": self.procedure,
            "physician": self.physician or "",
            "status": "" if self.status == "unresolved" else self.status,
            "mine": "1" if self.mine else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})


@dataclass
class QueueRow:
    escalation: Escalation
    patient: Patient
    procedure: str
    days_since_procedure: int | None
    flagged_at: dt.datetime
    latest_flag_at: dt.datetime | None
    flag_count: int
    age: dt.timedelta

    @property
    def tier(self) -> str:
        return self.escalation.tier

    @property
    def is_new_report(self) -> bool:
        """Another report arrived after it was first raised."""
        return bool(self.latest_flag_at and self.latest_flag_at > self.flagged_at)


def triage_queue(*, user, filters: QueueFilters, now: dt.datetime | None = None) -> list[QueueRow]:
    """Escalations to work, most serious first, then the longest waiting first."""
    now = now or timezone.now()
    queryset = escalations_visible(user=user).filter(status__in=STATUS_CHOICES[filters.status])
    if filters.status == "resolved":
        queryset = queryset.filter(resolved_at__gte=now - RESOLVED_WINDOW)
    if filters.tier:
        queryset = queryset.filter(tier=filters.tier)
    if filters.procedure:
        queryset = queryset.filter(enrollment__procedure=filters.procedure)
    if filters.physician:
        queryset = queryset.filter(enrollment__physician_id=filters.physician)
    if filters.mine:
        queryset = queryset.filter(owner=user)
    queryset = (
        queryset.annotate(
            tier_rank=tier_rank_expression(),
            latest_flag_at=Max("flags__created_at"),
            flag_count=Count("flags"),
        )
        .select_related(
            "clinic", "patient", "enrollment", "enrollment__physician", "owner", "acknowledged_by"
        )
        .order_by("tier_rank", "created_at", "id")[:QUEUE_LIMIT]
    )
    rows = []
    for escalation in queryset:
        enrollment = escalation.enrollment
        days = None
        if enrollment is not None:
            local_today = now.astimezone(zoneinfo.ZoneInfo(escalation.clinic.time_zone)).date()
            days = (local_today - enrollment.performed_on).days
        rows.append(
            QueueRow(
                escalation=escalation,
                patient=escalation.patient,
                procedure=enrollment.procedure if enrollment is not None else "",
                days_since_procedure=days,
                flagged_at=escalation.created_at,
                latest_flag_at=escalation.latest_flag_at,
                flag_count=escalation.flag_count,
                age=now - escalation.created_at,
            )
        )
    return rows


def queue_signature(rows: list[QueueRow]) -> str:
    """Changes whenever anything a nurse would see in the queue changes (not the clocks)."""
    digest = hashlib.sha256()
    for row in rows:
        e = row.escalation
        digest.update(
            f"{e.pk}|{e.status}|{e.tier}|{e.owner_id}|{e.next_page_at}|{row.flag_count}|"
            f"{row.latest_flag_at};".encode()
        )
    return digest.hexdigest()[:16]


def queue_choices(*, user) -> dict:
    """Options for the queue's filter form, from the user's own clinics."""
    from ...models import Protocol

    clinics = visible_clinics(user=user)
    physicians = (
        ClinicMembership.objects.filter(clinic__in=clinics, role=Role.PHYSICIAN, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    seen: dict[int, str] = {}
    for m in physicians:
        seen.setdefault(m.user_id, m.user.get_full_name() or m.user.get_username())
    return {
        "tiers": Tier.choices,
        "procedures": list(
            Protocol.objects.filter(is_current=True).order_by("code").values_list("code", "name")
        ),
        "physicians": sorted(seen.items(), key=lambda item: item[1]),
        "statuses": [
            ("unresolved", "Open and acknowledged"),
            ("open", "Open (nobody has it)"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved, last 7 days"),
        ],
    }


# --- the patient timeline -----------------------------------------------------------------------
