"""On-call shifts: what a shift must satisfy, and what the roster around it leaves uncovered.

A shift that ends before it starts, or for someone outside the clinic, is refused. Overlaps and
gaps are shown, not refused: two people on call at once can be deliberate, and a gap is for the
clinic to close (the chain's fallback pages the clinic admins meanwhile).
"""

from __future__ import annotations

import datetime as dt

from patients.models import Clinic, ClinicMembership

from .models import OnCallShift


def shift_problems(
    *,
    clinic: Clinic | None,
    user,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
) -> list[tuple[str, str]]:
    """(field, message) for each reason the shift cannot be saved."""
    problems = []
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        problems.append(("ends_at", "The shift must end after it starts."))
    if (
        clinic is not None
        and user is not None
        and not ClinicMembership.objects.filter(
            clinic=clinic, user=user, is_active=True, user__is_active=True
        ).exists()
    ):
        problems.append(("user", f"{user.get_username()} is not an active member of {clinic}."))
    return problems


def roster_overlaps(*, shift: OnCallShift) -> list[OnCallShift]:
    """Other shifts of the same clinic and role that overlap ``shift``."""
    return list(
        OnCallShift.objects.filter(
            clinic_id=shift.clinic_id,
            role=shift.role,
            starts_at__lt=shift.ends_at,
            ends_at__gt=shift.starts_at,
        )
        .exclude(pk=shift.pk)
        .select_related("user")
    )


def roster_gaps(
    *, clinic: Clinic, role: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The periods between ``start`` and ``end`` when nobody holds ``role`` for the clinic."""
    shifts = OnCallShift.objects.filter(
        clinic=clinic, role=role, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")
    gaps = []
    covered_until = start
    for shift_start, shift_end in shifts.values_list("starts_at", "ends_at"):
        if shift_start > covered_until:
            gaps.append((covered_until, shift_start))
        covered_until = max(covered_until, shift_end)
    if covered_until < end:
        gaps.append((covered_until, end))
    return gaps
