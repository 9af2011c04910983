"""Unsolicited texts (check openings, reminders) ride a queue of their own, so a burst of them
never delays a page, a safety text or a reply to a patient who is texting."""

from __future__ import annotations

import pytest
from django.utils import timezone

from config.celery import app
from notifications import outbox
from notifications.outbox import outbox_enqueue, outbox_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def lanes(monkeypatch) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {"bulk": [], "urgent": []}
    monkeypatch.setattr(outbox.bulk_publisher, "submit", seen["bulk"].extend)
    monkeypatch.setattr(outbox.publisher, "submit", seen["urgent"].append)
    return seen


def _row(key: str, *, unsolicited: bool):
    return outbox_enqueue(
        key=key,
        channel="sms",
        to="+15125550100",
        body="Spine Clinic: time for your check.",
        purpose="check_open" if unsolicited else "page",
        unsolicited=unsolicited,
    )


def test_it_queues_check_openings_on_the_bulk_lane_and_pages_on_the_other(
    lanes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        opening = _row("open-1", unsolicited=True)
        page = _row("page-1", unsolicited=False)
    assert lanes == {"bulk": [opening.pk], "urgent": [page.pk]}


def test_the_sweep_requeues_each_row_on_its_own_lane(lanes):
    opening = _row("open-1", unsolicited=True)
    page = _row("page-1", unsolicited=False)
    lanes["bulk"].clear()
    lanes["urgent"].clear()
    assert outbox_sweep(now=timezone.now())["outbox_queued"] == 2
    assert lanes == {"bulk": [opening.pk], "urgent": [page.pk]}


def test_the_bulk_task_is_routed_to_a_queue_every_worker_consumes():
    route = app.amqp.router.route({}, "notifications.tasks.send_bulk_outbound_task")
    assert route["queue"].name == "bulk"
    urgent = app.amqp.router.route({}, "notifications.tasks.send_outbound_task")
    assert urgent["queue"].name == "celery"
    assert {"celery", "bulk"} <= set(app.amqp.queues)


def test_bulk_rows_are_published_in_chunks(monkeypatch):
    chunks = []
    monkeypatch.setattr(outbox.bulk_publisher, "submit", chunks.append)
    outbox.enqueue_sends(list(range(1, 2 * outbox.BULK_CHUNK + 2)), bulk=True)
    assert [len(c) for c in chunks] == [outbox.BULK_CHUNK, outbox.BULK_CHUNK, 1]
    assert [i for c in chunks for i in c] == list(range(1, 2 * outbox.BULK_CHUNK + 2))


def test_a_chunk_sends_each_row_once_and_stops_at_the_rate_limit(monkeypatch, sms_outbox):
    from notifications.tasks import send_bulk_outbound_task

    rows = [_row(f"open-{i}", unsolicited=True) for i in range(4)]
    assert send_bulk_outbound_task([r.pk for r in rows[:2]]) == ["sent", "sent"]
    assert send_bulk_outbound_task(rows[0].pk) == ["not-claimed"]
    outcomes = iter(["sent", "rate-limited", "sent"])
    monkeypatch.setattr(outbox, "outbox_send", lambda message_id: next(outcomes))
    assert outbox.outbox_send_many(message_ids=[1, 2, 3]) == ["sent", "rate-limited"]
    assert len(sms_outbox) == 2
