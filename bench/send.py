"""Item 2: Celery throughput. ``noop N``: N no-op tasks; ``send N``: N pending SMS outbox rows to
the fake Twilio. Prints seconds and messages a second; run by bench/run.py while the workers run."""

from __future__ import annotations

import json
import sys
import time

import django

django.setup()

from django.utils import timezone  # noqa: E402

from bench.tasks import counter, noop_task  # noqa: E402
from config.celery import app  # noqa: E402, F401 - binds the tasks to the configured broker
from notifications.models import OutboundMessage, OutboundStatus  # noqa: E402
from notifications.outbox import BULK_CHUNK  # noqa: E402
from notifications.tasks import send_bulk_outbound_task, send_outbound_task  # noqa: E402

TIMEOUT = 300


def noop(count: int) -> dict:
    counter().set("bench:noop", 0)
    started = time.perf_counter()
    for _ in range(count):
        noop_task.delay()
    published = time.perf_counter() - started
    while int(counter().get("bench:noop") or 0) < count:
        if time.perf_counter() - started > TIMEOUT:
            raise SystemExit("no-op tasks did not finish")
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    return {
        "count": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1),
        "publish_seconds": round(published, 2),
    }


def send(count: int, purpose: str = "check_open", *, bulk: bool = False) -> dict:
    """``bulk``: as the sweep queues check openings, BULK_CHUNK rows to a task on the bulk queue;
    otherwise one task per row, as pages and replies go."""
    ids = list(
        OutboundMessage.objects.filter(
            status=OutboundStatus.PENDING,
            channel="sms",
            purpose=purpose,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    rows = OutboundMessage.objects.filter(pk__in=ids)
    started = time.perf_counter()
    if bulk:
        for start in range(0, len(ids), BULK_CHUNK):
            send_bulk_outbound_task.delay(ids[start : start + BULK_CHUNK])
    else:
        for message_id in ids:
            send_outbound_task.delay(message_id)
    published = time.perf_counter() - started
    while rows.filter(status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING]).count():
        if time.perf_counter() - started > TIMEOUT:
            break
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    statuses = {}
    for status in rows.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    sent = statuses.get(OutboundStatus.SENT, 0)
    return {
        "count": len(ids),
        "sent": sent,
        "statuses": statuses,
        "seconds": round(seconds, 2),
        "per_second": round(sent / seconds, 1),
        "publish_seconds": round(published, 2),
    }


if __name__ == "__main__":
    what, count = sys.argv[1], int(sys.argv[2])
    if what == "noop":
        print(json.dumps(noop(count)))
    else:
        print(json.dumps(send(count, bulk=what == "send-bulk")))
