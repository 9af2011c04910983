"""Turning a protocol into dated checkpoints, and the clock rules for when a text may go out."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings


def local_datetime(day: dt.date, at: dt.time, tz_name: str) -> dt.datetime:
    """The UTC datetime of local wall-clock time ``at`` on ``day`` in ``tz_name``.

    ``fold=0`` does the safe thing at both DST edges: a wall time inside the spring-forward gap
    lands after the gap (02:30 becomes 03:30), and an ambiguous fall-back time takes its first
    occurrence, so a check is sent once, never twice and never skipped.
    """
    naive = dt.datetime.combine(day, at)
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(tz_name), fold=0).astimezone(dt.UTC)


def checkpoint_schedule(*, definition: dict, performed_on: dt.date, tz_name: str) -> list[dict]:
    """Dates and UTC send/close times for every checkpoint of a protocol definition."""
    send_at_time = dt.time(settings.FOLLOWUP_SEND_HOUR, 0)
    rows = []
    for cp in definition["checkpoints"]:
        target = performed_on + dt.timedelta(days=cp["target_day"])
        opens = performed_on + dt.timedelta(days=cp["window_open_day"])
        closes = performed_on + dt.timedelta(days=cp["window_close_day"])
        rows.append(
            {
                "key": cp["key"],
                "label": cp["label"],
                "target_date": target,
                "window_opens": opens,
                "window_closes": closes,
                "send_at": local_datetime(target, send_at_time, tz_name),
                # The window closes at the end of its last local day.
                "closes_at": local_datetime(closes + dt.timedelta(days=1), dt.time(0, 0), tz_name),
                "question_codes": list(cp.get("questions", [])),
            }
        )
    return rows


def in_quiet_hours(moment: dt.datetime, *, tz_name: str, start: dt.time, end: dt.time) -> bool:
    local = moment.astimezone(zoneinfo.ZoneInfo(tz_name)).time()
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the quiet period spans midnight


def next_allowed_time(
    moment: dt.datetime, *, tz_name: str, start: dt.time, end: dt.time
) -> dt.datetime:
    """``moment`` if texting is allowed then, else the end of the quiet period in the patient's zone."""
    if not in_quiet_hours(moment, tz_name=tz_name, start=start, end=end):
        return moment
    tz = zoneinfo.ZoneInfo(tz_name)
    local = moment.astimezone(tz)
    day = local.date()
    if local.time() >= start and start > end:
        day += dt.timedelta(days=1)
    return local_datetime(day, end, tz_name)
