"""Unsolicited texts (check openings, reminders) ride a queue of their own, so a burst of them
never delays a page, a safety text or a reply to a patient who is texting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from config.celery import app
from notifications import outbox, publisher
from notifications.models import OutboundMessage
from notifications.outbox import outbox_enqueue, outbox_sweep, sending

pytestmark = pytest.mark.django_db


@pytest.fixture
def lanes(monkeypatch) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {"bulk": [], "urgent": []}
    monkeypatch.setattr(publisher.bulk_publisher, "submit", seen["bulk"].extend)
    monkeypatch.setattr(publisher.publisher, "submit", seen["urgent"].append)
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
    monkeypatch.setattr(publisher.bulk_publisher, "submit", chunks.append)
    outbox.enqueue_sends(list(range(1, 2 * outbox.BULK_CHUNK + 2)), bulk=True)
    assert [len(c) for c in chunks] == [outbox.BULK_CHUNK, outbox.BULK_CHUNK, 1]
    assert [i for c in chunks for i in c] == list(range(1, 2 * outbox.BULK_CHUNK + 2))


def test_a_chunk_sends_each_row_once_and_stops_at_the_rate_limit(monkeypatch, sms_outbox):
    from notifications.tasks import send_bulk_outbound_task

    rows = [_row(f"open-{i}", unsolicited=True) for i in range(5)]
    assert send_bulk_outbound_task([r.pk for r in rows[:2]]) == ["sent", "sent"]
    assert send_bulk_outbound_task(rows[0].pk) == ["not-claimed"]
    waits = iter([0.0, 3.0])
    monkeypatch.setattr(sending, "sms_pace", lambda message: next(waits))
    assert outbox.outbox_send_many(message_ids=[r.pk for r in rows[2:]]) == [
        "sent",
        "rate-limited",
    ]
    assert [m["to"] for m in sms_outbox] == ["+15125550100"] * 3
    for row in rows:
        row.refresh_from_db()
    assert [r.status for r in rows] == ["sent", "sent", "sent", "pending", "pending"]
    assert all(r.provider_id for r in rows[:3])
    # The turned-back row waits for its token; the one after it was never tried: as if unclaimed.
    assert rows[3].next_attempt_at > timezone.now() + dt.timedelta(seconds=2)
    assert rows[4].next_attempt_at <= timezone.now()
    assert (rows[3].attempts, rows[4].attempts) == (0, 0)
    assert rows[4].sending_started_at is None


def test_a_chunk_claims_and_records_in_two_statements(sms_outbox, django_assert_num_queries):
    rows = [_row(f"open-{i}", unsolicited=True) for i in range(outbox.BULK_CHUNK)]
    with django_assert_num_queries(2):
        outcomes = outbox.outbox_send_many(message_ids=[r.pk for r in rows])
    assert outcomes == ["sent"] * outbox.BULK_CHUNK
    assert len(sms_outbox) == outbox.BULK_CHUNK
    sent = dict(
        OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "provider_id")
    )
    # Each row keeps its own provider id (the CASE in the one UPDATE maps them row by row).
    assert len(set(sent.values())) == outbox.BULK_CHUNK
    assert sorted(sent.values()) == sorted(m["sid"] for m in sms_outbox)


def test_rows_a_chunk_has_no_time_left_for_go_back_to_pending(monkeypatch, sms_outbox):
    rows = [_row(f"open-{i}", unsolicited=True) for i in range(3)]
    monkeypatch.setattr(sending, "bulk_budget_seconds", lambda: -1.0)
    assert outbox.outbox_send_many(message_ids=[r.pk for r in rows]) == []
    assert sms_outbox == []
    assert (
        list(
            OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).values_list(
                "status", "attempts", "sending_started_at"
            )
        )
        == [("pending", 0, None)] * 3
    )


def test_the_budget_leaves_room_for_a_full_wait_and_timeout(settings):
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 300
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 90
    settings.SMS_RATE_LIMIT_MAX_WAIT_SECONDS = 5
    settings.TWILIO_TIMEOUT_SECONDS = 10
    assert sending.bulk_budget_seconds() == 30.0
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 20
    assert sending.bulk_budget_seconds() == 1.0


def test_a_crash_mid_chunk_records_what_went_and_frees_what_did_not(monkeypatch, sms_outbox):
    rows = [_row(f"open-{i}", unsolicited=True) for i in range(4)]
    real_deliver = sending.deliver
    calls = []

    def deliver(message):
        calls.append(message.pk)
        if len(calls) == 2:
            raise RuntimeError("worker torn down mid-send")
        return real_deliver(message)

    monkeypatch.setattr(sending, "deliver", deliver)
    with pytest.raises(RuntimeError):
        outbox.outbox_send_many(message_ids=[r.pk for r in rows])
    statuses = dict(
        OutboundMessage.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", "status")
    )
    # Sent: recorded. In flight: left "sending" for the sweep to reconcile. Never tried: pending.
    assert [statuses[r.pk] for r in rows] == ["sent", "sending", "pending", "pending"]
    assert len(sms_outbox) == 1


def test_a_status_callback_before_the_chunk_records_wins(monkeypatch, sms_outbox):
    from notifications.webhooks import delivery_status_record

    rows = [_row(f"open-{i}", unsolicited=True) for i in range(2)]
    real_deliver = sending.deliver

    def deliver(message):
        sid = real_deliver(message)
        delivery_status_record(
            message_id=str(message.pk), provider_id=sid, provider_status="delivered"
        )
        return sid

    monkeypatch.setattr(sending, "deliver", deliver)
    assert outbox.outbox_send_many(message_ids=[r.pk for r in rows]) == ["sent", "sent"]
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.provider_status) == ("delivered", "delivered")
        assert row.provider_id and row.delivered_at
