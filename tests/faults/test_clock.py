"""Item 7: clocks jumping over DST, and a patient who changes time zone mid-protocol.

The sweep is walked across each day in 30-minute ticks with an explicit clock (what
``manage.py dispatch_due --as-of`` does), a real worker sends what it opens to the fake Twilio,
and every check must go out at 10:00 on the patient's wall clock (08:00, the end of quiet hours,
for one that came due at night), exactly once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from followup.dispatch import dispatch_due
from followup.models import Checkpoint
from notifications.models import OutboundMessage, OutboundStatus
from patients.models import Patient
from tests.factories import ClinicFactory, PatientFactory, enroll

from .conftest import assert_sent_exactly_once, wait_until

pytestmark = [pytest.mark.faults]

UTC = dt.UTC
TICK = dt.timedelta(minutes=30)


def _walk(start: dt.datetime, end: dt.datetime) -> int:
    ticks = 0
    now = start
    while now <= end:
        dispatch_due(now=now)
        now += TICK
        ticks += 1
    return ticks


def _at(day: dt.date, hour: int, minute: int, zone: str) -> dt.datetime:
    """An unambiguous local wall time (none of the ones used here falls in a DST gap)."""
    return dt.datetime.combine(day, dt.time(hour, minute), zoneinfo.ZoneInfo(zone)).astimezone(UTC)


def _patient(clinic, physician, *, phone: str, zone: str, target: dt.date, enrolled_at):
    """A patient whose 3-month ESI check (protocol day 91) has ``target`` as its date."""
    patient = PatientFactory(clinic=clinic, phone=phone, time_zone=zone)
    enroll(
        patient=patient,
        physician=physician,
        performed_on=target - dt.timedelta(days=91),
        now=enrolled_at,
    )
    return patient


def _opening(patient) -> OutboundMessage:
    rows = OutboundMessage.objects.filter(patient=patient, purpose="check_open")
    assert rows.count() == 1, f"{patient.phone}: {rows.count()} opening texts"
    return rows.get()


def _local(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def test_it_sends_each_check_at_local_10_once_across_dst_transitions(
    processes, fake_twilio, site, report
):
    processes.worker()
    clinic = ClinicFactory(slug="dst-clinic", name="DST Spine")  # quiet hours 21:00-08:00
    cases = [
        # zone, check date, expected local send time, what happens that day
        ("America/Chicago", dt.date(2026, 3, 8), "2026-03-08 10:00 CDT", "spring forward"),
        ("America/Chicago", dt.date(2026, 11, 1), "2026-11-01 10:00 CST", "fall back"),
        ("Europe/Berlin", dt.date(2026, 3, 29), "2026-03-29 10:00 CEST", "spring forward"),
        ("Australia/Sydney", dt.date(2026, 4, 5), "2026-04-05 10:00 AEST", "fall back"),
    ]
    patients = []
    for n, (zone, day, expected, _what) in enumerate(cases):
        enrolled = _at(day - dt.timedelta(days=20), 12, 0, zone)
        patients.append(
            (
                _patient(
                    clinic,
                    site.physician,
                    phone=f"+1512600{n:04d}",
                    zone=zone,
                    target=day,
                    enrolled_at=enrolled,
                ),
                zone,
                expected,
            )
        )
    # Due at once but enrolled at 23:30 the night before spring-forward: quiet hours hold it
    # until 08:00, which that morning is already daylight time.
    night = _at(dt.date(2026, 3, 7), 23, 30, "America/Chicago")
    late = PatientFactory(clinic=clinic, phone="+15126009999", time_zone="America/Chicago")
    enroll(
        patient=late,
        physician=site.physician,
        performed_on=dt.date(2026, 3, 7) - dt.timedelta(days=95),
        now=night,
    )
    patients.append((late, "America/Chicago", "2026-03-08 08:00 CDT"))

    ticks = 0
    for start, end in (
        (dt.datetime(2026, 3, 7, 12, tzinfo=UTC), dt.datetime(2026, 3, 9, 6, tzinfo=UTC)),
        (dt.datetime(2026, 3, 28, 12, tzinfo=UTC), dt.datetime(2026, 3, 29, 22, tzinfo=UTC)),
        (dt.datetime(2026, 4, 4, 6, tzinfo=UTC), dt.datetime(2026, 4, 5, 6, tzinfo=UTC)),
        (dt.datetime(2026, 10, 31, 12, tzinfo=UTC), dt.datetime(2026, 11, 2, 6, tzinfo=UTC)),
    ):
        ticks += _walk(start, end)

    sent_at = {}
    for patient, zone, expected in patients:
        opening = _opening(patient)
        sent_at[patient.phone] = _local(opening.created_at, zone)
        assert sent_at[patient.phone] == expected, (zone, sent_at[patient.phone], expected)
    rows = OutboundMessage.objects.filter(purpose="check_open")
    wait_until(
        lambda: rows.filter(status=OutboundStatus.SENT).count() == len(patients),
        timeout=30,
        what="the openings sent",
    )
    # (The Sydney walk also sends the Berlin patient's overdue reminder, at 08:00 Berlin time.)
    everything = OutboundMessage.objects.filter(channel="sms")
    wait_until(
        lambda: not everything.exclude(status=OutboundStatus.SENT).exists(),
        timeout=30,
        what="every text sent",
    )
    assert_sent_exactly_once(fake_twilio, everything.values_list("pk", flat=True))
    report(
        scenario="7 DST transitions",
        sweeps=ticks,
        checks=len(patients),
        sent_local=sorted(sent_at.values()),
        texts_sent=len(fake_twilio.messages),
        duplicates=len(fake_twilio.messages) - everything.count(),
    )


def test_it_follows_a_patient_who_changes_time_zone_mid_protocol(
    processes, fake_twilio, site, report
):
    processes.worker()
    target = dt.date(2026, 6, 15)
    enrolled = dt.datetime(2026, 4, 1, 15, tzinfo=UTC)
    west = _patient(
        site.clinic,
        site.physician,
        phone="+15126100001",
        zone="America/Chicago",
        target=target,
        enrolled_at=enrolled,
    )
    east = _patient(
        site.clinic,
        site.physician,
        phone="+15126100002",
        zone="America/Los_Angeles",
        target=target,
        enrolled_at=enrolled,
    )
    edited = _patient(
        site.clinic,
        site.physician,
        phone="+15126100003",
        zone="America/Chicago",
        target=target,
        enrolled_at=enrolled,
    )
    # Two move and are enrolled again for another procedure (the API updates the patient) ...
    moved_at = dt.datetime(2026, 5, 1, 15, tzinfo=UTC)
    for patient, zone in ((west, "America/Los_Angeles"), (east, "America/New_York")):
        from followup.services.enrollments import enrollment_create

        enrollment_create(
            clinic=site.clinic,
            physician=site.physician,
            patient_data={"mrn": patient.mrn, "time_zone": zone},
            procedure="ESI",  # a second injection: its checks are not due in June
            performed_on=dt.date(2026, 4, 30),
            now=moved_at,
        )
    # ... and one has the zone corrected behind the service's back (admin, a data fix).
    Patient.objects.filter(pk=edited.pk).update(time_zone="America/Los_Angeles")

    ticks = _walk(dt.datetime(2026, 6, 15, 4, tzinfo=UTC), dt.datetime(2026, 6, 16, 6, tzinfo=UTC))
    expected = {
        west.phone: ("America/Los_Angeles", "2026-06-15 10:00 PDT"),
        east.phone: ("America/New_York", "2026-06-15 10:00 EDT"),
        edited.phone: ("America/Los_Angeles", "2026-06-15 10:00 PDT"),
    }
    got = {}
    for patient in (west, east, edited):
        zone, when = expected[patient.phone]
        checkpoint = Checkpoint.objects.get(
            enrollment__patient=patient,
            enrollment__performed_on=target - dt.timedelta(days=91),
            key="m3",
        )
        opening = _opening(patient)
        got[patient.phone] = _local(opening.created_at, zone)
        assert got[patient.phone] == when
        assert checkpoint.closes_at == dt.datetime.combine(
            checkpoint.window_closes + dt.timedelta(days=1),
            dt.time(0, 0),
            zoneinfo.ZoneInfo(zone if patient != edited else "America/Chicago"),
        ).astimezone(UTC)
    rows = OutboundMessage.objects.filter(purpose="check_open", patient__in=[west, east, edited])
    wait_until(
        lambda: rows.filter(status=OutboundStatus.SENT).count() == 3,
        timeout=30,
        what="the openings sent",
    )
    assert_sent_exactly_once(
        fake_twilio, OutboundMessage.objects.filter(channel="sms").values_list("pk", flat=True)
    )
    report(
        scenario="7 time zone changed mid-protocol",
        sweeps=ticks,
        sent_local=got,
        duplicates=len(fake_twilio.messages) - 3,
    )
