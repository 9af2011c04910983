"""Quiet-hours edges a mutation run found unpinned (issue 21 item 8): the exact start and end,
quiet hours switched off or inside one day, and patients east of UTC."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.scheduling import in_quiet_hours, next_allowed_time

UTC = dt.UTC
NIGHT = {"start": dt.time(21, 0), "end": dt.time(8, 0)}


def _utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_a_text_due_exactly_at_the_start_of_quiet_hours_waits_for_the_morning():
    # 21:00 New York (EDT, -4) is 01:00 UTC the next day.
    due = _utc(2026, 7, 2, 1, 0)
    assert in_quiet_hours(due, tz_name="America/New_York", **NIGHT)
    assert next_allowed_time(due, tz_name="America/New_York", **NIGHT) == _utc(2026, 7, 2, 12, 0)


def test_one_second_before_the_start_is_still_allowed():
    due = _utc(2026, 7, 2, 0, 59, 59)
    assert not in_quiet_hours(due, tz_name="America/New_York", **NIGHT)
    assert next_allowed_time(due, tz_name="America/New_York", **NIGHT) == due


def test_a_text_due_exactly_at_the_end_of_quiet_hours_goes():
    due = _utc(2026, 7, 2, 12, 0)  # 08:00 EDT
    assert not in_quiet_hours(due, tz_name="America/New_York", **NIGHT)
    assert in_quiet_hours(due - dt.timedelta(seconds=1), tz_name="America/New_York", **NIGHT)


@pytest.mark.parametrize("hour", [0, 3, 8, 12, 20, 21, 23])
def test_start_equal_to_end_switches_quiet_hours_off(hour):
    off = {"start": dt.time(0, 0), "end": dt.time(0, 0)}
    due = _utc(2026, 7, 2, hour, 0)
    assert not in_quiet_hours(due, tz_name="UTC", **off)
    assert next_allowed_time(due, tz_name="UTC", **off) == due
    same = {"start": dt.time(21, 0), "end": dt.time(21, 0)}
    assert not in_quiet_hours(due, tz_name="UTC", **same)


@pytest.mark.parametrize(
    ("hour", "quiet"), [(12, False), (12 + 1, True), (14, True), (15, False), (2, False)]
)
def test_quiet_hours_inside_one_day(hour, quiet):
    siesta = {"start": dt.time(13, 0), "end": dt.time(15, 0)}
    assert in_quiet_hours(_utc(2026, 7, 2, hour, 0), tz_name="UTC", **siesta) is quiet


def test_quiet_hours_inside_one_day_end_the_same_day():
    siesta = {"start": dt.time(13, 0), "end": dt.time(15, 0)}
    due = _utc(2026, 7, 2, 14, 30)
    assert next_allowed_time(due, tz_name="UTC", **siesta) == _utc(2026, 7, 2, 15, 0)


@pytest.mark.parametrize(
    ("zone", "utc", "quiet"),
    [
        ("Asia/Kolkata", _utc(2026, 7, 2, 15, 30), True),  # 21:00 IST (+5:30)
        ("Asia/Kolkata", _utc(2026, 7, 2, 15, 29), False),
        ("Australia/Sydney", _utc(2026, 7, 2, 11, 0), True),  # 21:00 AEST (+10)
        ("Australia/Sydney", _utc(2026, 7, 2, 21, 59), True),  # 07:59 next day
        ("Australia/Sydney", _utc(2026, 7, 2, 22, 0), False),  # 08:00 next day
        ("Pacific/Kiritimati", _utc(2026, 7, 2, 7, 0), True),  # 21:00 (+14)
        ("Europe/Madrid", _utc(2026, 7, 2, 19, 0), True),  # 21:00 CEST (+2)
    ],
)
def test_quiet_hours_for_patients_east_of_utc(zone, utc, quiet):
    assert in_quiet_hours(utc, tz_name=zone, **NIGHT) is quiet


def test_east_of_utc_the_next_allowed_time_is_the_next_local_morning():
    # 23:00 in Sydney on 2 July is 13:00 UTC; 08:00 on 3 July in Sydney is 22:00 UTC on 2 July.
    due = _utc(2026, 7, 2, 13, 0)
    assert next_allowed_time(due, tz_name="Australia/Sydney", **NIGHT) == _utc(2026, 7, 2, 22, 0)
    # 02:00 in Sydney (16:00 UTC) waits for 08:00 the same local day.
    due = _utc(2026, 7, 2, 16, 0)
    assert next_allowed_time(due, tz_name="Australia/Sydney", **NIGHT) == _utc(2026, 7, 2, 22, 0)
