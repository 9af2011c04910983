"""Item 3: the PostgreSQL connection of a running sweep is killed; the next sweep completes it.

The sweep opens due checks in short transactions of ``SWEEP_BATCH_SIZE`` rows. To kill it at a
known point, this test holds an uncommitted outbox row with the idempotency key the sweep is about
to write for one check in the middle of the run: the sweep's INSERT waits on it, and the test then
terminates the sweep's backend with ``pg_terminate_backend`` (what a PostgreSQL restart, a
failover or a network cut does to a session). The batch in flight rolls back whole; batches
before it stay committed with their texts; the worker survives and its next sweep finishes.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from followup.models import Checkpoint, CheckpointStatus
from followup.tasks import dispatch_due_task
from notifications.models import OutboundMessage, OutboundStatus
from tests.factories import PatientFactory, enroll

from .conftest import assert_sent_exactly_once, wait_until

pytestmark = [pytest.mark.faults]

PATIENTS = 60
BATCH = 10
BLOCK_AT = 35  # the 36th check: batches 1-3 commit, batch 4 is in flight when the session dies


def _hold_key(key: str, ready: threading.Event, release: threading.Event) -> None:
    """In a connection of its own: write the row the sweep will want, and do not commit."""
    try:
        with transaction.atomic():
            OutboundMessage.objects.create(
                idempotency_key=key, channel="sms", to="+10000000000", body="held", purpose="other"
            )
            ready.set()
            release.wait(60)
            transaction.set_rollback(True)
    finally:
        connections.close_all()


def _sweep_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return [row[0] for row in cursor.fetchall()]


def _advisory_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        return cursor.fetchone()[0]


def test_it_completes_a_sweep_whose_database_connection_was_killed(
    processes, fake_twilio, site, report
):
    now = timezone.now()
    for _ in range(PATIENTS):
        patient = PatientFactory(clinic=site.clinic)
        enroll(
            patient=patient,
            physician=site.physician,
            performed_on=(now - timezone.timedelta(days=95)).date(),
            now=now,
        )
    due = list(
        Checkpoint.objects.filter(status=CheckpointStatus.SCHEDULED, send_at__lte=now)
        .order_by("send_at")
        .values_list("pk", flat=True)
    )
    assert len(due) == PATIENTS
    ready, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_key, args=(f"checkpoint:{due[BLOCK_AT]}:open", ready, release)
    )
    holder.start()
    assert ready.wait(10)
    worker = processes.worker(env={"SWEEP_BATCH_SIZE": str(BATCH)})

    dispatch_due_task.delay()
    blocked = wait_until(_sweep_backends, timeout=30, interval=0.05, what="the sweep to block")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [blocked[0]])
    release.set()
    holder.join(10)
    worker.wait_for_output("sweep incomplete", timeout=30)

    opened = set(
        Checkpoint.objects.filter(status=CheckpointStatus.OPEN).values_list("pk", flat=True)
    )
    with_text = set(
        OutboundMessage.objects.filter(checkpoint__isnull=False).values_list(
            "checkpoint_id", flat=True
        )
    )
    assert opened == with_text, "a check opened without its text, or a text without its check"
    assert len(opened) == (BLOCK_AT // BATCH) * BATCH
    assert _advisory_locks() == 0, "the dead session's sweep lock is still held"
    assert worker.alive()

    # The next sweep (the beat's next tick; queued by hand here) completes the work, once.
    dispatch_due_task.delay()
    wait_until(
        lambda: OutboundMessage.objects.filter(status=OutboundStatus.SENT).count() == PATIENTS,
        timeout=60,
        what=f"{PATIENTS} opening texts sent",
    )
    assert Checkpoint.objects.filter(pk__in=due, status=CheckpointStatus.OPEN).count() == PATIENTS
    rows = OutboundMessage.objects.filter(checkpoint_id__in=due)
    assert rows.count() == PATIENTS
    assert_sent_exactly_once(fake_twilio, rows.values_list("pk", flat=True))
    report(
        scenario="3 PostgreSQL session killed mid-sweep",
        due_checks=PATIENTS,
        batch_size=BATCH,
        opened_before_the_kill=len(opened),
        rolled_back_in_flight=BATCH,
        opened_after_next_sweep=PATIENTS,
        texts_sent=len(fake_twilio.messages),
        duplicates=len(fake_twilio.messages) - PATIENTS,
    )
