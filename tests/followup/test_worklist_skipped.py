"""Skipped checks are work too: a window that closed before the check could go out, or an
enrollment after it closed, is on the missed-and-skipped worklist with the reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.dispatch import dispatch_due
from followup.models import Checkpoint, CheckpointStatus

from ..factories import PatientFactory, enroll
from .test_triage_queue import signed_in

pytestmark = pytest.mark.django_db


def test_a_check_the_sweep_skipped_is_listed_with_its_reason(clinic, alice, bob, charlie):
    patient = PatientFactory(clinic=clinic, last_name="Okafor")
    enrollment = enroll(
        patient=patient,
        physician=bob,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=1),
    )
    first = enrollment.checkpoints.order_by("target_date").first()
    assert first.status == CheckpointStatus.SCHEDULED
    # The sweep did not run while the window was open (a demo clock jump, an outage).
    dispatch_due(now=first.closes_at + dt.timedelta(hours=1))
    first.refresh_from_db()
    assert first.status == CheckpointStatus.SKIPPED

    page = signed_in(alice).get("/worklists/missed/")
    body = page.content.decode()
    assert f"checkpoint:{first.pk}" in [item.key for item in page.context["items"]]
    assert "window closed before it could go out" in body
    assert "Missed and skipped checks" in body and "skipped" in body
    # Another clinic's nurse sees nothing of it.
    other = signed_in(charlie).get("/worklists/missed/")
    assert f"checkpoint:{first.pk}" not in [item.key for item in other.context["items"]]


def test_checks_skipped_by_a_late_enrollment_are_listed_and_can_be_called(clinic, alice, bob):
    patient = PatientFactory(clinic=clinic)
    enroll(
        patient=patient,
        physician=bob,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=120),
    )
    skipped = list(
        Checkpoint.objects.filter(enrollment__patient=patient, status=CheckpointStatus.SKIPPED)
    )
    assert skipped
    client = signed_in(alice)
    page = client.get("/worklists/missed/")
    listed = {item.key: item for item in page.context["items"]}
    for check in skipped:
        assert listed[f"checkpoint:{check.pk}"].detail.startswith("enrolled late: window closed")
    key = f"checkpoint:{skipped[0].pk}"
    client.post("/worklists/missed/call/", {"item": key, "outcome": "reached"})
    assert key not in [i.key for i in client.get("/worklists/missed/").context["items"]]
