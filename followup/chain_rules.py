"""What a clinic's escalation chain must satisfy before it is saved.

``followup.services.escalations.chain_problems`` checks the shape of the steps (the worker runs
it too, and falls back to the default chain when a saved chain is unusable). This module adds
what only a person configuring a clinic can get wrong, so the editor refuses it instead of the
worker discovering it at 3 a.m.:

- every ``user:<username>`` target is an active member of *this* clinic (a chain cannot page
  another clinic's staff, and a typo is not "saved successfully");
- an EMERGENCY or URGENT chain has steps, and at every hour of the week at least one of its steps
  applies (a chain made only of ``"hours": "business"`` steps would page nobody at night).

The run-time net for the same hole (a chain saved before these rules, or a roster that changed)
is in ``escalations.pages.chain_run``: when no step of the first round applies, the clinic's fallback
is paged.
"""

from __future__ import annotations

import datetime as dt

from patients.models import Clinic, ClinicMembership

from .models import Tier
from .services.escalations import chain_problems

# Tiers that must reach a person at any hour (DESIGN rule 4).
PAGED_TIERS = (Tier.EMERGENCY, Tier.URGENT)
_DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _has_business_hours(clinic: Clinic) -> bool:
    days = clinic.business_days or [1, 2, 3, 4, 5]
    return bool(days) and clinic.business_hours_start < clinic.business_hours_end


def _has_after_hours(clinic: Clinic) -> bool:
    days = set(clinic.business_days or [1, 2, 3, 4, 5])
    whole_day = clinic.business_hours_start == dt.time(0) and clinic.business_hours_end >= dt.time(
        23, 59
    )
    return not (days >= set(range(1, 8)) and whole_day)


def business_hours_text(clinic: Clinic) -> str:
    """The clinic's business hours in words, with its time zone (for messages and the editor)."""
    days = sorted(clinic.business_days or [1, 2, 3, 4, 5])
    names = ", ".join(_DAY_NAMES[d - 1] for d in days if 1 <= d <= 7) or "no days"
    start = clinic.business_hours_start.strftime("%H:%M")
    end = clinic.business_hours_end.strftime("%H:%M")
    return f"{names} {start}-{end} ({clinic.time_zone})"


def chain_coverage_gaps(*, clinic: Clinic, tier: str, steps: list[dict]) -> list[str]:
    """The parts of the week in which no step of an EMERGENCY/URGENT chain applies."""
    if tier not in PAGED_TIERS:
        return []
    if not steps:
        return [f"an {tier} chain needs at least one step: it must page someone at any hour"]
    hours = {step.get("hours") for step in steps if isinstance(step, dict)}
    if None in hours:
        return []
    gaps = []
    if "business" not in hours and _has_business_hours(clinic):
        gaps.append(f"no step applies in business hours ({business_hours_text(clinic)})")
    if "after" not in hours and _has_after_hours(clinic):
        gaps.append(
            f"no step applies outside business hours ({business_hours_text(clinic)}):"
            " nights and weekends would page nobody"
        )
    return gaps


def chain_target_problems(*, clinic: Clinic, steps: list[dict]) -> list[str]:
    """``user:`` targets that are not active members of the clinic."""
    wanted = {}
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            continue
        kind, _, value = str(step.get("target", "")).partition(":")
        if kind == "user" and value:
            wanted.setdefault(value, number)
    if not wanted:
        return []
    members = set(
        ClinicMembership.objects.filter(
            clinic=clinic, is_active=True, user__is_active=True, user__username__in=wanted
        ).values_list("user__username", flat=True)
    )
    return [
        f"step {number}: {username!r} is not an active member of {clinic.name}"
        for username, number in wanted.items()
        if username not in members
    ]


def chain_validate(*, clinic: Clinic, tier: str, steps: object) -> list[str]:
    """Every reason ``steps`` cannot be saved as ``clinic``'s chain for ``tier``; empty = fine."""
    problems = chain_problems(steps)
    if problems:
        return problems
    assert isinstance(steps, list)  # chain_problems refuses anything else
    return chain_target_problems(clinic=clinic, steps=steps) + chain_coverage_gaps(
        clinic=clinic, tier=tier, steps=steps
    )
