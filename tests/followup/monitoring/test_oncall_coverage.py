"""The on-call check: somebody on call for EMERGENCY and URGENT over the next 24 hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from followup.models import OnCallShift, Tier
from followup.monitoring.models import AlertKind, OpsAlert
from followup.monitoring.roster import oncall_coverage_check, oncall_gaps
from followup.monitoring.tasks import oncall_coverage_check_task

from .conftest import heartbeat

pytestmark = pytest.mark.django_db


def shift(clinic, user, role="primary", *, start_h: float, end_h: float, now=None):
    now = now or timezone.now()
    return OnCallShift.objects.create(
        clinic=clinic,
        user=user,
        role=role,
        starts_at=now + dt.timedelta(hours=start_h),
        ends_at=now + dt.timedelta(hours=end_h),
    )


def test_an_empty_roster_is_a_gap_for_both_tiers(clinic):
    now = timezone.now()
    gaps = oncall_gaps(clinic=clinic, now=now)
    end = now + dt.timedelta(hours=24)
    assert gaps == {Tier.EMERGENCY: [(now, end)], Tier.URGENT: [(now, end)]}


def test_a_full_day_of_primary_shifts_covers_both(clinic, bob):
    now = timezone.now()
    shift(clinic, bob, start_h=-1, end_h=12, now=now)
    shift(clinic, bob, start_h=12, end_h=30, now=now)
    assert oncall_gaps(clinic=clinic, now=now) == {Tier.EMERGENCY: [], Tier.URGENT: []}


def test_a_hole_in_the_night_is_found_and_backup_alone_covers_emergency_only(clinic, bob, alice):
    now = timezone.now()
    shift(clinic, bob, start_h=0, end_h=10, now=now)
    shift(clinic, bob, start_h=14, end_h=24, now=now)
    gaps = oncall_gaps(clinic=clinic, now=now)
    hole = [(now + dt.timedelta(hours=10), now + dt.timedelta(hours=14))]
    assert gaps[Tier.EMERGENCY] == hole and gaps[Tier.URGENT] == hole
    shift(clinic, alice, "backup", start_h=9, end_h=15, now=now)
    gaps = oncall_gaps(clinic=clinic, now=now)
    assert gaps[Tier.EMERGENCY] == [] and gaps[Tier.URGENT] == hole


def test_a_shift_held_by_someone_who_left_the_clinic_does_not_count(clinic, bob):
    now = timezone.now()
    shift(clinic, bob, start_h=-1, end_h=25, now=now)
    bob.memberships.update(is_active=False)
    assert oncall_gaps(clinic=clinic, now=now)[Tier.EMERGENCY] != []


def test_the_check_emails_the_clinic_admins_once_a_day_and_shows_on_the_queue(
    clinic, other_clinic, alice, erin, charlie, client
):
    heartbeat(minutes_ago=0.5)
    report = oncall_coverage_check_task()
    # Boston Spine has no admin to email (logged); its gap still shows to its staff.
    assert report == {"clinics": 2, "with_gaps": 2, "emailed": 1}
    [to_erin] = [m for m in mail.outbox if m.to == ["erin@clinic.example"]]
    assert "Nobody on call (Austin Spine)" in to_erin.subject
    assert "EMERGENCY: nobody on call" in to_erin.body

    client.force_login(alice)
    queue = client.get("/queue/").content.decode()
    assert 'data-alert="oncall_gap"' in queue and "Austin Spine: Next 24 h" in queue
    assert "Boston Spine" not in queue  # another clinic's roster is not alice's business

    oncall_coverage_check()  # an hour later: still a gap, no second email today
    assert len(mail.outbox) == 1
    OpsAlert.objects.update(emailed_at=timezone.now() - dt.timedelta(hours=25))
    oncall_coverage_check()  # the next morning: mentioned again
    assert len(mail.outbox) == 2


def test_a_fixed_roster_clears_the_banner(clinic, bob, alice, erin, client):
    heartbeat(minutes_ago=0.5)
    oncall_coverage_check()
    assert OpsAlert.objects.filter(kind=AlertKind.ONCALL_GAP, resolved_at=None).count() == 1
    shift(clinic, bob, start_h=-1, end_h=30)
    oncall_coverage_check()
    assert not OpsAlert.objects.filter(resolved_at=None).exists()
    client.force_login(alice)
    assert "ops-banner" not in client.get("/queue/").content.decode()
