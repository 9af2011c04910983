"""The readiness probe is cheap enough to poll every 10 s (bench/health.py measures it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bench.health import measure
from notifications.models import InboundMessage, OutboundMessage

from .conftest import heartbeat

pytestmark = pytest.mark.django_db


def test_readiness_costs_a_few_indexed_queries_and_milliseconds(settings, clinic):
    settings.ROOT_URLCONF = "bench.urls"
    settings.ALERT_CHECK_SECONDS = 30  # as deployed: the alert checks run once per 30 s
    heartbeat(minutes_ago=0.5)
    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            idempotency_key=f"k{i}",
            channel="sms",
            to="+15125550100",
            body="x",
            status=["pending", "sent", "delivered", "failed"][i % 4],
            next_attempt_at=now + dt.timedelta(minutes=i % 7),
        )
        for i in range(2000)
    )
    InboundMessage.objects.bulk_create(
        InboundMessage(message_sid=f"SM{i}", from_number="+15125550100", status="processed")
        for i in range(1000)
    )
    figures = measure(n=200)
    print("\n[health bench]", figures)
    assert figures["live"]["status"] == 200 and figures["ready"]["status"] == 200
    assert figures["live"]["queries"] == 0
    assert figures["ready"]["queries"] <= 6  # SELECT 1, heartbeat, 2 outbox, 1 inbound (+ alerts)
    # Polled every 10 s by each load balancer: far below a millisecond of CPU per second.
    assert figures["ready"]["p50_ms"] < 50
