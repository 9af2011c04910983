"""/health/live and /health/ready: no sign-in, JSON, no PHI, each check with its threshold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import InboundMessage, OutboundMessage
from tests.factories import PatientFactory

from .conftest import heartbeat

pytestmark = pytest.mark.django_db


def ready(client: Client):
    response = client.get("/health/ready")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def test_it_answers_live_without_sign_in(client):
    response = client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_it_is_ready_with_a_recent_sweep_and_nothing_waiting(client, clinic):
    heartbeat(minutes_ago=0.5)
    status, body = ready(client)
    assert status == 200, body
    checks = body["checks"]
    assert checks["database"]["ok"] and checks["broker"]["ok"]
    assert checks["sweep"]["ok"] and 25 <= checks["sweep"]["age_seconds"] <= 60
    assert checks["sweep"]["threshold_seconds"] == 300
    assert checks["outbox"]["oldest_age_seconds"] is None
    assert checks["inbound"]["oldest_age_seconds"] is None


def test_a_stopped_beat_makes_it_unready(client, clinic):
    heartbeat(minutes_ago=12)
    status, body = ready(client)
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["sweep"]["ok"] is False
    assert body["checks"]["sweep"]["age_seconds"] >= 12 * 60


def test_a_sweep_that_never_ran_is_late_once_the_clinic_is_older_than_the_threshold(client, clinic):
    type(clinic).objects.filter(pk=clinic.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=1)
    )
    status, body = ready(client)
    assert status == 503 and body["checks"]["sweep"]["ok"] is False
    assert body["checks"]["sweep"]["last_completed_at"] is None


def test_a_dead_broker_makes_it_unready(client, clinic, settings):
    heartbeat(minutes_ago=0.5)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["broker"] == {"ok": False, "error": "ConnectionError"}
    assert body["checks"]["database"]["ok"] and body["checks"]["sweep"]["ok"]


def test_a_stuck_outbox_row_makes_it_unready_and_carries_no_phi(client, clinic):
    heartbeat(minutes_ago=0.5)
    patient = PatientFactory(clinic=clinic, phone="+15125557777", first_name="Zelda")
    OutboundMessage.objects.create(
        idempotency_key="stuck",
        channel="sms",
        to=patient.phone,
        body="Hi Zelda",
        patient=patient,
        status="sending",
        sending_started_at=timezone.now() - dt.timedelta(minutes=30),
    )
    status, body = ready(client)
    assert status == 503
    assert body["checks"]["outbox"]["ok"] is False
    assert body["checks"]["outbox"]["oldest_age_seconds"] >= 30 * 60
    text = str(body)
    assert "5557777" not in text and "Zelda" not in text


def test_a_due_pending_row_within_the_threshold_is_fine(client, clinic, settings):
    heartbeat(minutes_ago=0.5)
    OutboundMessage.objects.create(
        idempotency_key="due",
        channel="sms",
        to="+15125550199",
        body="x",
        next_attempt_at=timezone.now() - dt.timedelta(seconds=20),
    )
    status, body = ready(client)
    assert status == 200 and 15 <= body["checks"]["outbox"]["oldest_age_seconds"] < 60
    settings.HEALTH_OUTBOX_MAX_AGE_SECONDS = 10
    status, body = ready(client)
    assert status == 503 and body["checks"]["outbox"]["threshold_seconds"] == 10


def test_an_unprocessed_text_older_than_its_threshold_makes_it_unready(client, clinic):
    heartbeat(minutes_ago=0.5)
    text = InboundMessage.objects.create(message_sid="SM1", from_number="+15125550123", body="yes")
    InboundMessage.objects.filter(pk=text.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=10)
    )
    status, body = ready(client)
    assert status == 503 and body["checks"]["inbound"]["ok"] is False
    InboundMessage.objects.filter(pk=text.pk).update(status="processed")
    assert ready(client)[0] == 200


def test_it_refuses_post(client):
    assert client.post("/health/ready").status_code == 405
