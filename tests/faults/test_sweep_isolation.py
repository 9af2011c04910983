"""A sweep step that fails (a bug, a bad protocol row) must not starve the steps after it:
escalation re-pages and the outbox still run, and the sweep reports itself incomplete.
Also the outbox publisher: a dead broker costs the caller nothing."""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.utils import timezone

from followup import dispatch
from followup.models import Escalation, Page, Tier
from notifications.publisher import BrokerPublisher

pytestmark = [pytest.mark.faults]


def test_it_still_pages_when_an_earlier_sweep_step_fails(site, monkeypatch, caplog):
    escalation = Escalation.objects.create(
        clinic=site.clinic,
        patient=site.clinic.patients.create(
            first_name="A",
            last_name="B",
            date_of_birth="1960-01-01",
            mrn="ISO-1",
            phone="+15125551212",
        ),
        tier=Tier.EMERGENCY,
        kind="SOB_CHEST",
        reason="test",
        code="4321",
        next_page_at=timezone.now(),
    )

    def broken(*, now):
        raise RuntimeError("a bad protocol row")

    monkeypatch.setattr(dispatch, "checkpoints_open_due", broken)
    with pytest.raises(dispatch.SweepIncomplete, match="broken"):
        dispatch.dispatch_due(now=timezone.now())
    pages = Page.objects.filter(escalation=escalation)
    assert {p.recipient.username for p in pages} == {"bob"}
    assert "sweep step broken failed (RuntimeError)" in caplog.text
    # The lock was released: the next sweep runs (and does not page twice).
    monkeypatch.undo()
    assert "skipped" not in dispatch.dispatch_due(now=timezone.now())
    assert Page.objects.filter(escalation=escalation).count() == pages.count()


def test_it_publishes_in_the_background_and_drops_while_the_broker_is_down():
    published, calls = [], []
    down = threading.Event()
    down.set()

    def publish(message_id: int) -> None:
        calls.append(message_id)
        if down.is_set():
            time.sleep(0.3)  # a broker that takes its time to fail
            raise ConnectionError("redis down")
        published.append(message_id)

    publisher = BrokerPublisher(publish, pause_seconds=0.5)
    started = time.monotonic()
    for message_id in range(1, 51):
        publisher.submit(message_id)
    assert time.monotonic() - started < 0.1  # the caller never waits for the broker
    assert publisher.flush(5)
    assert calls == [1] and publisher.dropped == 50  # one try, then paused
    down.clear()
    time.sleep(0.6)
    publisher.submit(51)
    assert publisher.flush(5)
    assert published == [51] and publisher.published == 1


def test_it_starts_a_new_publisher_thread_in_a_forked_child():
    publisher = BrokerPublisher(lambda message_id: None)
    publisher.submit(1)
    assert publisher.flush(5)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own thread must publish
        try:
            publisher.submit(2)
            ok = publisher.flush(5) and publisher.published == 2
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
