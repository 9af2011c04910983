"""The FCC healthcare exemption's cap on unsolicited texts, and the next slot it allows.

Shared by the daily dispatch (first texts of a check) and the reminder sweep, so it lives
below both of them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings

from notifications.models import OutboundMessage, OutboundStatus

from .scheduling import local_datetime, next_allowed_time


def frequency_cap_until(*, patient, clinic, now: dt.datetime) -> dt.datetime | None:
    """When the next unsolicited message may go out, or None if one may go now.

    FCC healthcare exemption: at most one unsolicited text a day and three a week per patient.
    """
    sent = OutboundMessage.objects.filter(
        patient=patient, unsolicited=True, created_at__gt=now - dt.timedelta(days=7)
    )
    sent = sent.exclude(status=OutboundStatus.CANCELLED)
    times = sorted(sent.values_list("created_at", flat=True))
    last_day = [t for t in times if t > now - dt.timedelta(days=1)]
    if len(last_day) >= clinic.max_unsolicited_per_day:
        return _next_send_slot(last_day[0] + dt.timedelta(days=1), patient, clinic)
    if len(times) >= clinic.max_unsolicited_per_week:
        return _next_send_slot(times[0] + dt.timedelta(days=7), patient, clinic)
    return None


def _next_send_slot(earliest: dt.datetime, patient, clinic) -> dt.datetime:
    """The protocol send hour on or after ``earliest``'s local day, outside quiet hours."""
    tz = zoneinfo.ZoneInfo(patient.time_zone)
    local_day = earliest.astimezone(tz).date()
    slot = local_datetime(local_day, dt.time(settings.FOLLOWUP_SEND_HOUR, 0), patient.time_zone)
    if slot < earliest:
        slot = earliest
    return next_allowed_time(
        slot, tz_name=patient.time_zone, start=clinic.quiet_hours_start, end=clinic.quiet_hours_end
    )
