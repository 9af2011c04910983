from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.monitoring import alerts
from followup.monitoring.models import SweepHeartbeat
from patients.models import Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """Each test checks afresh: the per-process throttle would carry over between tests."""
    settings.ALERT_CHECK_SECONDS = 0
    alerts.alerts_throttle_reset()


@pytest.fixture
def erin(clinic):
    """A clinic admin of the clinic."""
    return MembershipFactory(
        user=UserFactory(username="erin", email="erin@clinic.example"),
        clinic=clinic,
        role=Role.CLINIC_ADMIN,
        page_email="erin@clinic.example",
    ).user


def heartbeat(*, minutes_ago: float, ok: bool = True) -> SweepHeartbeat:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    row, _ = SweepHeartbeat.objects.update_or_create(
        name="dispatch",
        defaults={"completed_at": at, "last_finished_at": at, "ok": ok, "duration_seconds": 0.2},
    )
    return row
