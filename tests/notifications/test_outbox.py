"""The outbox: a row is sent at most once, retried when that can help, and never silently dropped."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from notifications.backends import DeliveryError, memory
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue, outbox_send, outbox_sweep
from notifications.signals import FAILURE_INVALID_NUMBER, FAILURE_OPTED_OUT
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def message(patient=None, key="k1", **kw) -> OutboundMessage:
    return outbox_enqueue(
        key=key,
        channel="sms",
        to=(patient.phone if patient else "+15125550100"),
        body="Spine Clinic: time for your check. Reply STOP to opt out.",
        purpose="check_open",
        patient=patient,
        **kw,
    )


def test_it_writes_one_row_per_idempotency_key():
    first = message()
    again = message()
    assert first.pk == again.pk
    assert OutboundMessage.objects.count() == 1


def test_running_the_send_twice_calls_the_provider_once(sms_outbox):
    row = message()
    assert outbox_send(message_id=row.pk) == OutboundStatus.SENT
    assert outbox_send(message_id=row.pk) == "not-claimed"
    assert len(sms_outbox) == 1
    row.refresh_from_db()
    assert (
        row.status == OutboundStatus.SENT
        and row.attempts == 1
        and row.provider_id == sms_outbox[0]["sid"]
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_row_reach_the_provider_once(fake_twilio):
    row = message()

    def send(_):
        try:
            return outbox_send(message_id=row.pk)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(send, range(8)))
    assert results.count(OutboundStatus.SENT) == 1
    assert results.count("not-claimed") == 7
    assert len(fake_twilio.messages) == 1


def test_a_temporary_failure_is_retried_later_with_backoff(settings, sms_outbox):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    row = message()
    memory.failures.append(DeliveryError("Twilio 500", code="20500"))
    before = timezone.now()
    assert outbox_send(message_id=row.pk) == OutboundStatus.PENDING
    row.refresh_from_db()
    assert row.attempts == 1 and row.error_code == "20500"
    assert row.next_attempt_at >= before + dt.timedelta(seconds=30)
    assert outbox_send(message_id=row.pk) == "not-claimed"  # not due yet
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(message_id=row.pk) == OutboundStatus.SENT
    assert len(sms_outbox) == 1


def test_retry_after_is_honoured_when_longer_than_the_backoff(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 1
    row = message()
    memory.failures.append(DeliveryError("Twilio 429", code="20429", retry_after=120))
    before = timezone.now()
    outbox_send(message_id=row.pk)
    row.refresh_from_db()
    assert row.next_attempt_at >= before + dt.timedelta(seconds=120)


def test_retries_stop_after_the_maximum_and_the_row_fails_visibly(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = message()
    for _ in range(3):
        memory.failures.append(DeliveryError("Twilio 500", code="20500"))
        OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        outbox_send(message_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboundStatus.FAILED and row.attempts == 3


def test_a_permanent_failure_is_not_retried_and_marks_the_number(clinic, sms_outbox):
    patient = PatientFactory(clinic=clinic)
    row = message(patient)
    memory.failures.append(
        DeliveryError("Twilio 21211", permanent=True, code="21211", reason=FAILURE_INVALID_NUMBER)
    )
    assert outbox_send(message_id=row.pk) == OutboundStatus.FAILED
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(message_id=row.pk) == "not-claimed"
    patient.refresh_from_db()
    assert patient.phone_invalid_at is not None and "21211" in patient.phone_invalid_reason
    assert not patient.can_text
    assert sms_outbox == []


def test_a_21610_opts_the_patient_out(clinic):
    patient = PatientFactory(clinic=clinic)
    pending = message(patient, key="later")
    row = message(patient)
    memory.failures.append(
        DeliveryError("Twilio 21610", permanent=True, code="21610", reason=FAILURE_OPTED_OUT)
    )
    outbox_send(message_id=row.pk)
    patient.refresh_from_db()
    assert patient.is_opted_out and "21610" in patient.opt_out_source
    pending.refresh_from_db()
    assert pending.status == OutboundStatus.CANCELLED


def test_an_ambiguous_send_is_never_resent_blindly(settings, sms_outbox):
    row = message()
    memory.failures.append(DeliveryError("read timeout", ambiguous=True))
    assert outbox_send(message_id=row.pk) == OutboundStatus.UNKNOWN
    assert outbox_send(message_id=row.pk) == "not-claimed"
    # Later the sweep reconciles: the memory provider has no such message, so it goes back to pending.
    later = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS + 1)
    OutboundMessage.objects.filter(pk=row.pk).update(
        sending_started_at=timezone.now() - dt.timedelta(hours=1)
    )
    summary = outbox_sweep(now=later)
    assert summary["outbox_reconciled"] == 1
    row.refresh_from_db()
    assert row.status == OutboundStatus.PENDING


def test_an_ambiguous_send_the_provider_did_accept_is_marked_sent_not_resent(settings, sms_outbox):
    row = message()
    sms_outbox.append(
        {"sid": "SMalreadythere", "to": row.to, "body": row.body, "status_callback": None}
    )
    memory.failures.append(DeliveryError("read timeout", ambiguous=True))
    outbox_send(message_id=row.pk)
    OutboundMessage.objects.filter(pk=row.pk).update(
        sending_started_at=timezone.now() - dt.timedelta(hours=1)
    )
    outbox_sweep(now=timezone.now())
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT and row.provider_id == "SMalreadythere"
    assert len(sms_outbox) == 1


def test_a_row_left_sending_by_a_dead_worker_is_recovered_for_reconciliation(settings):
    row = message()
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.SENDING, sending_started_at=timezone.now() - dt.timedelta(hours=1)
    )
    summary = outbox_sweep(now=timezone.now())
    assert summary["outbox_recovered"] == 1
    row.refresh_from_db()
    assert row.status in (OutboundStatus.UNKNOWN, OutboundStatus.PENDING)
    assert row.status != OutboundStatus.SENDING


def test_the_sweep_requeues_due_rows_when_the_broker_lost_them(monkeypatch):
    row = message()
    queued = []
    monkeypatch.setattr(
        "notifications.outbox.sweep.enqueue_send", lambda message_id, **_: queued.append(message_id)
    )
    summary = outbox_sweep(now=timezone.now())
    assert summary["outbox_queued"] == 1 and queued == [row.pk]


def test_email_goes_through_django_email_backends(mailoutbox):
    row = outbox_enqueue(
        key="e1",
        channel="email",
        to="ana@example.org",
        subject="Your check",
        body="Plain text",
        html_body="<p>HTML</p>",
        purpose="check_open",
    )
    assert outbox_send(message_id=row.pk) == OutboundStatus.SENT
    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == ["ana@example.org"] and sent.subject == "Your check"
    assert sent.alternatives[0][1] == "text/html"


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_does_not_undo_the_committed_row(settings):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        row = message()
    finally:
        app.conf.broker_url = original
    assert OutboundMessage.objects.filter(pk=row.pk, status=OutboundStatus.PENDING).exists()
