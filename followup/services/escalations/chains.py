"""Escalation chains: the steps a tier walks (DEFAULT_CHAINS or the clinic's), their validation and timing."""

from __future__ import annotations

import datetime as dt
import logging

from patients.models import Clinic, Role

from ...models import Escalation, EscalationChain, OnCallShift, Tier
from .roster import clinic_in_business_hours

logger = logging.getLogger(__name__)


DEFAULT_CHAINS: dict[str, list[dict]] = {
    # DOMAIN.md: the on-call clinician is paged at once; backup after 10 min, clinic lead after 20.
    Tier.EMERGENCY: [
        {"after_minutes": 0, "target": "oncall:primary"},
        {"after_minutes": 10, "target": "oncall:backup"},
        {"after_minutes": 20, "target": "oncall:lead", "repeat_minutes": 15},
    ],
    # Same-day call-back: the triage nurses in hours, the on-call clinician after hours, and the
    # on-call clinician in any case when nobody has taken it within an hour.
    Tier.URGENT: [
        {"after_minutes": 0, "target": "role:triage_nurse", "hours": "business"},
        {"after_minutes": 0, "target": "oncall:primary", "hours": "after"},
        {"after_minutes": 60, "target": "oncall:primary", "repeat_minutes": 60},
    ],
    # Next triage review: the queue only, nobody is woken up.
    Tier.ROUTINE: [],
}


_TARGET_KINDS = ("oncall", "role", "user")


_ROLES_ON_CALL = {choice.value for choice in OnCallShift.Role}


_CLINIC_ROLES = {choice.value for choice in Role}


def chain_problems(steps: object) -> list[str]:
    """What is wrong with a chain's ``steps``; an empty list means it can be used."""
    if not isinstance(steps, list):
        return ["steps must be a list"]
    problems: list[str] = []
    previous = 0
    for number, step in enumerate(steps, start=1):
        where = f"step {number}"
        if not isinstance(step, dict):
            problems.append(f"{where}: must be an object")
            continue
        after = step.get("after_minutes")
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            problems.append(f"{where}: after_minutes must be a whole number >= 0")
        elif after < previous:
            problems.append(f"{where}: after_minutes goes back in time ({after} < {previous})")
        else:
            previous = after
        kind, _, value = str(step.get("target", "")).partition(":")
        if kind not in _TARGET_KINDS or not value:
            problems.append(
                f"{where}: target must be oncall:<role>, role:<clinic role> or user:<username>"
            )
        elif kind == "oncall" and value not in _ROLES_ON_CALL:
            problems.append(f"{where}: unknown on-call role {value!r} ({sorted(_ROLES_ON_CALL)})")
        elif kind == "role" and value not in _CLINIC_ROLES:
            problems.append(f"{where}: unknown clinic role {value!r} ({sorted(_CLINIC_ROLES)})")
        if step.get("hours") not in (None, "business", "after"):
            problems.append(f"{where}: hours must be 'business' or 'after'")
        repeat = step.get("repeat_minutes")
        if repeat is not None:
            if number != len(steps):
                problems.append(f"{where}: only the last step may repeat")
            if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 5:
                problems.append(f"{where}: repeat_minutes must be a whole number >= 5")
    return problems


def chain_steps(*, clinic: Clinic, tier: str) -> list[dict]:
    """The clinic's chain for a tier; the default when it has none or its own is unusable.

    An EMERGENCY or URGENT chain with no steps would page nobody: it falls back to the default.
    """
    chain = EscalationChain.objects.filter(clinic=clinic, tier=tier).first()
    if chain is not None:
        problems = chain_problems(chain.steps)
        if not problems and (chain.steps or tier == Tier.ROUTINE):
            return list(chain.steps)
        logger.error(
            "escalation chain %s %s unusable (%s): using the default",
            clinic.slug,
            tier,
            "; ".join(problems) or "no steps",
        )
    return [dict(step) for step in DEFAULT_CHAINS.get(tier, [])]


def step_due_at(
    steps: list[dict], index: int, now: dt.datetime, base: dt.datetime
) -> dt.datetime | None:
    if index < len(steps):
        return base + dt.timedelta(minutes=steps[index]["after_minutes"])
    repeat = steps[-1].get("repeat_minutes") if steps else None
    return now + dt.timedelta(minutes=repeat) if repeat else None


def chain_start(escalation: Escalation) -> tuple[dt.datetime, int]:
    """When the current chain started and the page round it started at: the escalation's
    creation (round 0), or its latest tier upgrade."""
    upgraded = escalation.timeline.filter(kind="escalation_upgraded").order_by("-at", "-id").first()
    if upgraded is None:
        return escalation.created_at, 0
    return upgraded.at, int(upgraded.data.get("offset", 0))


def step_hours_apply(step: dict, clinic: Clinic, now: dt.datetime) -> bool:
    hours = step.get("hours")
    if hours is None:
        return True
    in_hours = clinic_in_business_hours(clinic=clinic, at=now)
    return in_hours if hours == "business" else not in_hours
