"""Sends that cannot go out are loud: Twilio refusing the account (401/20003) or the sender, or
every send failing for the window, raises a staff banner and one admin email."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from followup.monitoring.alerts import alerts_notice
from followup.monitoring.models import AlertKind, OpsAlert
from notifications.backends import sms_backend_reset
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue, outbox_send

from .conftest import heartbeat

pytestmark = pytest.mark.django_db


def _send(n: int) -> list[OutboundMessage]:
    rows = []
    for i in range(n):
        row = outbox_enqueue(
            key=f"loud:{i}", channel="sms", to=f"+1512555{4000 + i}", body="hello", purpose="other"
        )
        outbox_send(message_id=row.pk)
        row.refresh_from_db()
        rows.append(row)
    return rows


def test_a_refused_twilio_account_raises_a_banner_and_one_email(
    fake_twilio, settings, client, alice, erin, clinic
):
    heartbeat(minutes_ago=0.5)
    settings.TWILIO_AUTH_TOKEN = "revoked-token"  # the fake answers 401 / 20003 as Twilio does
    sms_backend_reset()
    [row] = _send(1)
    assert row.status == OutboundStatus.PENDING and row.error_code == "20003"
    assert fake_twilio.messages == []  # the real SDK talked to the fake, which refused it

    alerts_notice(force=True)  # as the worker does after the send task (task_postrun)
    alerts_notice(force=True)  # and again: still one incident
    client.force_login(alice)
    page = client.get("/queue/").content.decode()
    assert 'data-alert="sends_blocked"' in page and "20003 (1)" in page
    assert [m.subject for m in mail.outbox] == [
        "[Spine follow-up] Twilio account or sender refused"
    ]
    assert "hello" not in mail.outbox[0].body and "+1512555" not in mail.outbox[0].body


def test_an_invalid_sender_is_loud_too(fake_twilio, client, alice, erin, clinic):
    heartbeat(minutes_ago=0.5)
    fake_twilio.push("error", status=400, code=21606, message="The From number is not valid")
    _send(1)
    alerts_notice(force=True)
    alert = OpsAlert.objects.get(kind=AlertKind.SENDS_BLOCKED)
    assert "21606 (1)" in alert.detail and len(mail.outbox) == 1


def test_a_permanent_error_for_one_patient_is_not_an_account_problem(fake_twilio, erin, clinic):
    fake_twilio.push("invalid_number")
    _send(1)
    alerts_notice(force=True)
    assert not OpsAlert.objects.exists() and mail.outbox == []


def test_every_send_failing_for_the_window_raises_the_alert_and_a_success_clears_it(
    fake_twilio, client, alice, erin, clinic
):
    heartbeat(minutes_ago=0.5)
    fake_twilio.set_default("server_error")
    _send(3)
    alerts_notice(force=True)
    assert OpsAlert.objects.filter(kind=AlertKind.SENDS_FAILING, resolved_at=None).exists()
    client.force_login(alice)
    assert 'data-alert="sends_failing"' in client.get("/queue/").content.decode()

    fake_twilio.set_default("ok")
    OutboundMessage.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    sent = [
        outbox_send(message_id=pk) for pk in OutboundMessage.objects.values_list("pk", flat=True)
    ]
    assert sent == ["sent"] * 3
    alerts_notice(force=True)
    assert not OpsAlert.objects.filter(resolved_at=None).exists()
    assert "ops-banner" not in client.get("/queue/").content.decode()
    assert len(mail.outbox) == 1


def test_failures_older_than_the_window_do_not_count(fake_twilio, erin, clinic, settings):
    fake_twilio.set_default("server_error")
    _send(3)
    OutboundMessage.objects.update(updated_at=timezone.now() - dt.timedelta(minutes=6))
    alerts_notice(force=True)
    assert not OpsAlert.objects.exists()


def test_a_page_nobody_in_the_chain_can_receive_stays_an_escalation_on_the_queue(
    clinic, bob, erin, client
):
    """Existing behaviour, tested here (followup/services/escalations.py, escalation_page_failed):
    a failed page moves the chain on at once; when every page of every step fails the
    escalation is still open on the queue with each page marked failed. New here: every staff
    page's banner names it until someone owns it."""
    from followup.models import Escalation, EscalationStatus, Page
    from followup.services.redflags import redflags_from_answers
    from notifications.backends import DeliveryError, memory
    from tests.conftest import drain_outbox
    from tests.followup.test_escalation_chain import answer, enrolled_checkpoint, roster

    t0 = timezone.now()
    roster(clinic, bob, around=t0)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    memory.failures.extend(
        DeliveryError("Twilio 21211: invalid To", permanent=True, code="21211") for _ in range(60)
    )
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    for _ in range(6):
        drain_outbox()
    escalation = Escalation.objects.get()
    pages = Page.objects.filter(escalation=escalation, channel="sms")
    assert pages.count() >= 3 and not pages.filter(failed_at=None).exists()
    assert escalation.status == EscalationStatus.OPEN
    client.force_login(erin)
    queue = client.get("/queue/").content.decode()
    assert escalation.code in queue
    assert 'data-alert="page_undeliverable"' in queue
    assert f"EMERGENCY escalation {escalation.code}: no page reached anyone" in queue
    detail = client.get(f"/t/e/{escalation.pk}/", follow=True).content.decode()
    assert "(failed)" in detail

    from followup.services.escalations import escalation_acknowledge

    escalation_acknowledge(escalation=escalation, user=bob, via="web")
    assert "page_undeliverable" not in client.get("/queue/").content.decode()
