"""/metrics: protected by a token or a network allow-list; the figures come from the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from followup.models import Escalation, Tier
from notifications.models import InboundMessage, OutboundMessage
from tests.factories import PatientFactory

from .conftest import heartbeat

pytestmark = pytest.mark.django_db
TOKEN = "s3cret-metrics-token"


@pytest.fixture
def scrape(settings):
    settings.METRICS_TOKEN = TOKEN

    def get() -> dict:
        response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        samples = {}
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                samples[key] = sample.value
        return samples

    return get


def test_it_is_hidden_without_the_token(settings, client):
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_it_is_off_when_neither_token_nor_network_is_set(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_an_allowed_network_needs_no_token(settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.168.1.9").get("/metrics").status_code == 404


def test_it_reports_sweep_queues_outbox_inbound_pages_and_failures(scrape, clinic, bob):
    heartbeat(minutes_ago=2)
    now = timezone.now()
    patient = PatientFactory(clinic=clinic)
    OutboundMessage.objects.create(
        idempotency_key="a", channel="sms", to="+15125550101", body="x", status="pending"
    )
    OutboundMessage.objects.create(
        idempotency_key="b",
        channel="sms",
        to="+15125550102",
        body="x",
        status="failed",
        error_code="21211",
        attempts=1,
    )
    text = InboundMessage.objects.create(message_sid="SM9", from_number="+15125550103")
    InboundMessage.objects.filter(pk=text.pk).update(received_at=now - dt.timedelta(seconds=90))
    Escalation.objects.create(
        clinic=clinic,
        patient=patient,
        tier=Tier.EMERGENCY,
        kind="RF_X",
        reason="r",
        code="1234",
        created_at=now - dt.timedelta(minutes=10),
        acknowledged_at=now - dt.timedelta(minutes=4),
        status="acknowledged",
    )
    m = scrape()
    assert 110 <= m[("followup_sweep_lag_seconds", ())] < 200
    assert m[("followup_sweep_late", ())] == 0
    assert m[("followup_queue_depth", (("queue", "celery"),))] >= 0
    assert m[("followup_outbox_messages", (("status", "pending"),))] == 1
    assert m[("followup_outbox_messages", (("status", "failed"),))] == 1
    assert 80 <= m[("followup_inbound_lag_seconds", ())] < 200
    assert m[("followup_send_failures", (("code", "21211"),))] == 1
    assert m[("followup_escalations_24h", (("acknowledged", "yes"), ("tier", "EMERGENCY")))] == 1
    assert m[("followup_time_to_acknowledge_seconds", (("tier", "EMERGENCY"),))] == pytest.approx(
        360, abs=1
    )


def test_a_dead_broker_shows_as_minus_one(scrape, settings, clinic):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    m = scrape()
    assert m[("followup_queue_depth", (("queue", "sweep"),))] == -1


def test_webhook_latency_is_a_histogram_fed_by_the_webhook_middleware(scrape):
    from config.handlers import wsgi_application

    application = wsgi_application()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/webhooks/twilio/status/",
        "QUERY_STRING": "m=1",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": __import__("io").BytesIO(b""),
        "CONTENT_LENGTH": "0",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
    }
    before = scrape().get(
        ("followup_webhook_latency_seconds_count", (("path", "/webhooks/twilio/status/"),)), 0
    )
    from django.core import signals
    from django.db import close_old_connections

    status = []
    # As Django's test client does: the test's transaction must survive the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        application(environ, lambda s, h: status.append(s))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    assert status and status[0].startswith("403")  # unsigned: refused, and still timed
    after = scrape()[
        ("followup_webhook_latency_seconds_count", (("path", "/webhooks/twilio/status/"),))
    ]
    assert after == before + 1
