"""The patient timeline: one append-only list of what happened, for staff review."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import TimelineEvent


def timeline_add(
    *,
    patient,
    kind: str,
    summary: str,
    enrollment=None,
    escalation=None,
    actor=None,
    data: dict | None = None,
    at: dt.datetime | None = None,
) -> TimelineEvent:
    """Record an event. ``summary`` is shown to staff: keep it short and factual."""
    return TimelineEvent.objects.create(
        patient=patient,
        kind=kind,
        summary=summary[:300],
        enrollment=enrollment,
        escalation=escalation,
        actor=actor,
        data=data or {},
        at=at or timezone.now(),
    )
