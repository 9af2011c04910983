"""Checkpoint dates, local send times across zones and DST, quiet hours and late enrollment."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.models import CheckpointStatus
from followup.scheduling import in_quiet_hours, local_datetime, next_allowed_time
from tests.factories import PatientFactory, enroll

UTC = dt.UTC
QUIET = {"start": dt.time(21, 0), "end": dt.time(8, 0)}


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        (
            "America/Chicago",
            dt.date(2026, 7, 1),
            dt.datetime(2026, 7, 1, 15, 0, tzinfo=UTC),
        ),  # CDT -5
        (
            "America/Chicago",
            dt.date(2026, 12, 1),
            dt.datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
        ),  # CST -6
        ("America/New_York", dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
        ("America/Los_Angeles", dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 17, 0, tzinfo=UTC)),
        (
            "America/Phoenix",
            dt.date(2026, 7, 1),
            dt.datetime(2026, 7, 1, 17, 0, tzinfo=UTC),
        ),  # no DST
        ("Pacific/Honolulu", dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 20, 0, tzinfo=UTC)),
        ("Europe/Madrid", dt.date(2026, 7, 1), dt.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_it_sends_at_ten_local_time_in_each_zone(zone, day, expected_utc):
    assert local_datetime(day, dt.time(10, 0), zone) == expected_utc


def test_a_wall_time_inside_the_spring_forward_gap_moves_forward_once():
    # 2026-03-08 02:30 does not exist in Chicago; it becomes 03:30 CDT (08:30 UTC).
    assert local_datetime(dt.date(2026, 3, 8), dt.time(2, 30), "America/Chicago") == dt.datetime(
        2026, 3, 8, 8, 30, tzinfo=UTC
    )


def test_an_ambiguous_fall_back_time_takes_the_first_occurrence():
    # 2026-11-01 01:30 happens twice in Chicago; the first is CDT (06:30 UTC).
    assert local_datetime(dt.date(2026, 11, 1), dt.time(1, 30), "America/Chicago") == dt.datetime(
        2026, 11, 1, 6, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("utc", "zone", "quiet"),
    [
        (dt.datetime(2026, 7, 1, 3, 0, tzinfo=UTC), "America/Chicago", True),  # 22:00 CDT
        (dt.datetime(2026, 7, 1, 12, 59, tzinfo=UTC), "America/Chicago", True),  # 07:59 CDT
        (dt.datetime(2026, 7, 1, 13, 0, tzinfo=UTC), "America/Chicago", False),  # 08:00 CDT
        (dt.datetime(2026, 7, 1, 1, 59, tzinfo=UTC), "America/Chicago", False),  # 20:59 CDT
        (dt.datetime(2026, 7, 1, 2, 0, tzinfo=UTC), "America/Chicago", True),  # 21:00 CDT
        (dt.datetime(2026, 7, 1, 2, 0, tzinfo=UTC), "America/Los_Angeles", False),  # 19:00 PDT
    ],
)
def test_quiet_hours_are_read_in_the_patients_zone(utc, zone, quiet):
    assert in_quiet_hours(utc, tz_name=zone, **QUIET) is quiet


def test_the_next_allowed_time_is_eight_local_the_next_morning():
    late_evening = dt.datetime(2026, 7, 1, 3, 30, tzinfo=UTC)  # 22:30 CDT on 30 June
    assert next_allowed_time(late_evening, tz_name="America/Chicago", **QUIET) == dt.datetime(
        2026, 7, 1, 13, 0, tzinfo=UTC
    )
    early_morning = dt.datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # 05:00 CDT
    assert next_allowed_time(early_morning, tz_name="America/Chicago", **QUIET) == dt.datetime(
        2026, 7, 1, 13, 0, tzinfo=UTC
    )


def test_the_next_allowed_time_across_the_dst_change_uses_the_new_offset():
    # 22:00 CST on Sat 2026-03-07; clocks spring forward overnight; 08:00 CDT Sunday is 13:00 UTC.
    saturday_night = dt.datetime(2026, 3, 8, 4, 0, tzinfo=UTC)
    assert next_allowed_time(saturday_night, tz_name="America/Chicago", **QUIET) == dt.datetime(
        2026, 3, 8, 13, 0, tzinfo=UTC
    )


@pytest.mark.django_db
def test_checkpoints_follow_the_protocol_in_the_patients_zone(clinic, bob):
    patient = PatientFactory(clinic=clinic, time_zone="America/New_York")
    now = dt.datetime(2026, 2, 20, 15, 0, tzinfo=UTC)
    enrollment = enroll(
        patient=patient, physician=bob, procedure="VA", performed_on=dt.date(2026, 2, 20), now=now
    )
    by_key = {c.key: c for c in enrollment.checkpoints.all()}
    d14 = by_key["d14"]
    assert d14.target_date == dt.date(2026, 3, 6) and d14.window_closes == dt.date(2026, 4, 3)
    assert d14.send_at == dt.datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # 10:00 EST
    m3 = by_key["m3"]
    # Three months later the clocks have sprung forward: 10:00 EDT is 14:00 UTC.
    assert m3.send_at.astimezone(UTC).hour == 14
    assert (m3.window_closes - m3.target_date).days == 14 and (
        m3.target_date - m3.window_opens
    ).days == 14
    assert all(c.status == CheckpointStatus.SCHEDULED for c in by_key.values())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "utc_hour"),
    [("America/Los_Angeles", "America/New_York", 15), ("America/New_York", "Pacific/Honolulu", 20)],
)
def test_a_time_zone_changed_outside_the_api_moves_the_pending_checks(
    clinic, bob, old, new, utc_hour
):
    """East or west, by the admin or a data fix: the checks follow the patient's new 10:00."""
    patient = PatientFactory(clinic=clinic, time_zone=old)
    now = dt.datetime(2026, 2, 20, 15, 0, tzinfo=UTC)
    enrollment = enroll(
        patient=patient, physician=bob, procedure="VA", performed_on=dt.date(2026, 2, 20), now=now
    )

    patient.time_zone = new
    patient.save()  # as the admin does

    d14 = enrollment.checkpoints.get(key="d14")
    assert d14.send_at == dt.datetime(2026, 3, 6, utc_hour, 0, tzinfo=UTC)  # 10:00 in the new zone
    assert d14.closes_at == local_datetime(dt.date(2026, 4, 4), dt.time(0, 0), new)
    # A save that does not touch the zone leaves them alone.
    patient.first_name = "Renamed"
    patient.save(update_fields=["first_name"])
    assert enrollment.checkpoints.get(key="d14").send_at == d14.send_at


@pytest.mark.django_db
def test_a_late_enrollment_opens_open_windows_at_once_and_records_closed_ones(clinic, bob):
    patient = PatientFactory(clinic=clinic)
    performed = dt.date(2026, 1, 5)
    now = dt.datetime(
        2026, 2, 1, 18, 0, tzinfo=UTC
    )  # day 27: 48 h window closed, d14 window still open
    enrollment = enroll(
        patient=patient, physician=bob, procedure="VA", performed_on=performed, now=now
    )
    by_key = {c.key: c for c in enrollment.checkpoints.all()}
    assert by_key["h48"].status == CheckpointStatus.SKIPPED
    assert "enrolled late" in by_key["h48"].status_reason
    assert by_key["d14"].status == CheckpointStatus.SCHEDULED and by_key["d14"].send_at == now
    assert by_key["d14"].status_reason == "enrolled late: opens at once"
    assert by_key["m3"].send_at > now
