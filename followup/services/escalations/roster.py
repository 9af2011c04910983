"""Who is on call: business hours, on-call shifts, chain targets resolved to reachable clinic members."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from patients.models import Clinic, ClinicMembership, Role

from ...models import OnCallShift


def clinic_in_business_hours(*, clinic: Clinic, at: dt.datetime) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(clinic.time_zone))
    days = clinic.business_days or [1, 2, 3, 4, 5]
    return (
        local.isoweekday() in days
        and clinic.business_hours_start <= local.time() < clinic.business_hours_end
    )


def memberships_of(clinic: Clinic, users: Iterable) -> list[ClinicMembership]:
    ids = [user.pk for user in users]
    found = ClinicMembership.objects.filter(
        clinic=clinic, user_id__in=ids, is_active=True
    ).select_related("user")
    by_user = {m.user_id: m for m in found}
    return [by_user[i] for i in dict.fromkeys(ids) if i in by_user]


def on_call(*, clinic: Clinic, role: str, at: dt.datetime) -> list[ClinicMembership]:
    """Who covers ``role`` for the clinic at ``at`` (active members only)."""
    shifts = OnCallShift.objects.filter(clinic=clinic, role=role, starts_at__lte=at, ends_at__gt=at)
    return memberships_of(
        clinic, [shift.user for shift in shifts.select_related("user").order_by("starts_at")]
    )


def target_resolve(clinic: Clinic, target: str, at: dt.datetime) -> list[ClinicMembership]:
    kind, _, value = target.partition(":")
    if kind == "oncall":
        return on_call(clinic=clinic, role=value, at=at)
    if kind == "role":
        return list(
            ClinicMembership.objects.filter(
                clinic=clinic, role=value, is_active=True
            ).select_related("user")
        )
    if kind == "user":
        return list(
            ClinicMembership.objects.filter(
                clinic=clinic, user__username=value, is_active=True
            ).select_related("user")
        )
    return []


def reachable_only(memberships: Iterable[ClinicMembership]) -> list[ClinicMembership]:
    return [m for m in memberships if m.page_phone or m.page_email]


def roster_fallback(clinic: Clinic, at: dt.datetime) -> list[ClinicMembership]:
    """When a step finds nobody: the clinic admins and the lead, else every physician."""
    admins = ClinicMembership.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True)
    people = reachable_only(
        [*admins.select_related("user"), *on_call(clinic=clinic, role="lead", at=at)]
    )
    if not people:
        physicians = ClinicMembership.objects.filter(
            clinic=clinic, role=Role.PHYSICIAN, is_active=True
        )
        people = reachable_only(physicians.select_related("user"))
    unique = {m.pk: m for m in people}
    return list(unique.values())
