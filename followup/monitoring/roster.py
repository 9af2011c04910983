"""Is somebody on call for EMERGENCY and URGENT through the next 24 hours, in every clinic?

A tier is covered at a moment when one of the on-call roles its chain pages (``oncall:<role>``
steps of :func:`followup.services.escalations.chain_steps`) has a shift then, held by an active
member of the clinic. The chain's fallback (admins, lead) still catches a page in a gap, but a
gap means the first person paged about an emergency is nobody, and that is worth a morning email.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from patients.models import Clinic, ClinicMembership

from ..models import OnCallShift, Tier
from ..services.escalations import chain_steps
from .alerts import alert_email, alert_open, alert_resolve
from .models import AlertKind, OpsAlert

CHECKED_TIERS = (Tier.EMERGENCY, Tier.URGENT)


def oncall_gaps(
    *, clinic: Clinic, now: dt.datetime, hours: int = 24
) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """Uncovered intervals of [now, now + hours) for each checked tier (empty list: covered)."""
    end = now + dt.timedelta(hours=hours)
    active = set(
        ClinicMembership.objects.filter(
            clinic=clinic, is_active=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    shifts = list(
        OnCallShift.objects.filter(clinic=clinic, ends_at__gt=now, starts_at__lt=end).values_list(
            "role", "user_id", "starts_at", "ends_at"
        )
    )
    gaps: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for tier in CHECKED_TIERS:
        roles = {
            value
            for step in chain_steps(clinic=clinic, tier=tier)
            for kind, _, value in [str(step.get("target", "")).partition(":")]
            if kind == "oncall"
        }
        covering = sorted(
            (start, stop)
            for role, user_id, start, stop in shifts
            if role in roles and user_id in active
        )
        gaps[tier] = _uncovered(covering, start=now, end=end)
    return gaps


def _uncovered(
    intervals: list[tuple[dt.datetime, dt.datetime]], *, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    gaps = []
    cursor = start
    for begin, finish in intervals:  # sorted by start
        if begin > cursor:
            gaps.append((cursor, min(begin, end)))
        cursor = max(cursor, finish)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if b > a]


def gap_text(gaps: dict[str, list[tuple[dt.datetime, dt.datetime]]], *, tz_name: str) -> str:
    import zoneinfo

    tz = zoneinfo.ZoneInfo(tz_name)
    parts = []
    for tier, spans in gaps.items():
        if spans:
            first = ", ".join(
                f"{a.astimezone(tz):%a %H:%M}-{b.astimezone(tz):%a %H:%M}" for a, b in spans[:3]
            )
            parts.append(f"{tier}: nobody on call {first}")
    return "; ".join(parts)


def oncall_coverage_check(*, now: dt.datetime | None = None) -> dict:
    """Every clinic: open (and email) or resolve its roster-gap incident. Re-emails a gap that is
    still open after a day, so a roster left empty is mentioned every morning."""
    now = now or timezone.now()
    hours = settings.ONCALL_CHECK_HOURS
    report = {"clinics": 0, "with_gaps": 0, "emailed": 0}
    for clinic in Clinic.objects.order_by("pk"):
        report["clinics"] += 1
        gaps = oncall_gaps(clinic=clinic, now=now, hours=hours)
        scope = str(clinic.pk)
        if not any(gaps.values()):
            alert_resolve(kind=AlertKind.ONCALL_GAP, scope=scope)
            continue
        report["with_gaps"] += 1
        detail = f"Next {hours} h: " + gap_text(gaps, tz_name=clinic.time_zone)
        opened = alert_open(kind=AlertKind.ONCALL_GAP, scope=scope, clinic=clinic, detail=detail)
        if opened is not None:
            report["emailed"] += bool(opened.emailed)
            continue
        # Still open: keep the text current; alert_email sends again once its last is a day old.
        still = OpsAlert.objects.filter(
            kind=AlertKind.ONCALL_GAP, scope=scope, resolved_at__isnull=True
        ).first()
        if still is not None:
            OpsAlert.objects.filter(pk=still.pk).update(detail=detail[:300])
            still.detail = detail[:300]
            report["emailed"] += bool(alert_email(still))
    return report
