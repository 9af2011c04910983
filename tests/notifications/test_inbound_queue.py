"""The webhook stores a text and answers; a worker processes it, in the order the patient sent."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from followup.models import Answer, Flag
from notifications.inbound import inbound_process_in_order, waiting_from_sender
from notifications.models import InboundMessage, InboundStatus, OutboundMessage
from notifications.publisher import BrokerPublisher, inbound_publisher
from notifications.tasks import process_inbound_task
from tests.survey_helpers import new_sid, post_sms, process_inbound, start_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint(clinic, bob):
    return start_survey(legacy=True, clinic=clinic, physician=bob)


def test_the_webhook_only_stores_the_text_and_answers_with_empty_twiml(client, checkpoint):
    phone = checkpoint.enrollment.patient.phone
    before = OutboundMessage.objects.count()

    response = post_sms(client, body="yes", from_=phone, process=False)

    assert response.status_code == 200
    assert b"<Message>" not in response.content
    row = InboundMessage.objects.get()
    assert (row.status, row.body, row.attempts) == (InboundStatus.RECEIVED, "yes", 0)
    # Nothing decided yet: no answer, no flag, no reply.
    assert not Answer.objects.exists() and not Flag.objects.exists()
    assert OutboundMessage.objects.count() == before

    process_inbound_task(row.pk)  # what the worker runs

    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED and row.kind == "survey_stopped"
    assert Flag.objects.filter(tier="EMERGENCY").count() == 1
    safety = OutboundMessage.objects.get(purpose="safety")
    assert "911" in safety.body and safety.status == "pending" and safety.to == phone


def test_a_repeated_delivery_stores_nothing_new_and_is_processed_once(client, checkpoint):
    phone = checkpoint.enrollment.patient.phone
    sid = new_sid()
    for _ in range(3):
        assert post_sms(client, body="no", from_=phone, sid=sid, process=False).status_code == 200
    assert InboundMessage.objects.filter(message_sid=sid).count() == 1

    process_inbound_task([InboundMessage.objects.get().pk] * 3)

    assert Answer.objects.filter(checkpoint=checkpoint).count() == 1


def test_a_later_text_waits_for_the_earlier_ones_from_the_same_number(client, checkpoint):
    phone = checkpoint.enrollment.patient.phone
    for body in ("no", "no", "7"):
        post_sms(client, body=body, from_=phone, process=False)
    first, second, third = InboundMessage.objects.order_by("pk")

    inbound_process_in_order(inbound_id=third.pk)  # its task ran first

    assert set(InboundMessage.objects.values_list("status", flat=True)) == {"processed"}
    answers = Answer.objects.filter(checkpoint=checkpoint).order_by("answered_at", "pk")
    assert [(a.question_code, a.raw_text) for a in answers][:3] == [
        (code, raw)
        for code, raw in zip(checkpoint.question_codes[:3], ("no", "no", "7"), strict=True)
    ]
    # The tasks of the first two find them processed and do nothing.
    inbound_process_in_order(inbound_id=first.pk)
    inbound_process_in_order(inbound_id=second.pk)
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 3


def test_texts_from_other_numbers_do_not_wait(client, checkpoint, clinic, bob):
    other = start_survey(legacy=True, clinic=clinic, physician=bob)
    post_sms(client, body="no", from_=checkpoint.enrollment.patient.phone, process=False)
    post_sms(client, body="no", from_=other.enrollment.patient.phone, process=False)
    mine, theirs = InboundMessage.objects.order_by("pk")

    inbound_process_in_order(inbound_id=theirs.pk)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("received", "processed")


def test_a_text_no_task_reached_is_processed_by_the_sweep(client, checkpoint):
    """Redis down: the id was never published. The sweep takes rows over a minute old."""
    import datetime as dt

    from django.utils import timezone

    from notifications.inbound import inbound_retry_stale

    post_sms(client, body="no", from_=checkpoint.enrollment.patient.phone, process=False)
    row = InboundMessage.objects.get()
    assert inbound_retry_stale(now=timezone.now())["inbound_retried"] == 0  # too young
    InboundMessage.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - dt.timedelta(minutes=2)
    )

    result = inbound_retry_stale(now=timezone.now())

    assert result == {"inbound_retried": 1, "inbound_recovered": 1}
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_id_is_handed_to_the_publisher_after_commit(client, clinic, bob, monkeypatch):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob)
    submitted: list[int] = []
    monkeypatch.setattr(inbound_publisher, "submit", submitted.append)

    post_sms(client, body="no", from_=checkpoint.enrollment.patient.phone, process=False)

    assert submitted == [InboundMessage.objects.get().pk]
    process_inbound()
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 1


def test_a_batching_publisher_sends_what_arrived_together_as_one_call():
    calls: list[list[int]] = []
    gate = threading.Event()

    def publish(ids: list[int]) -> None:
        gate.wait(5)  # hold the thread on the first call while more ids arrive
        calls.append(list(ids))

    publisher = BrokerPublisher(publish, batch=10)
    publisher.submit(1)
    time.sleep(0.1)
    for number in range(2, 26):
        publisher.submit(number)
    gate.set()

    assert publisher.flush(5)
    assert calls[0] == [1]
    assert [len(batch) for batch in calls[1:]] == [10, 10, 4]
    assert [n for batch in calls for n in batch] == list(range(1, 26))
    assert publisher.published == 25


def test_a_lingering_publisher_waits_briefly_for_company_then_publishes_alone():
    calls: list[list[int]] = []
    publisher = BrokerPublisher(lambda ids: calls.append(list(ids)), batch=10, linger_seconds=0.3)
    publisher.submit(1)
    time.sleep(0.05)
    publisher.submit(2)  # inside the first one's linger: the same task
    assert publisher.flush(5)
    time.sleep(0.05)
    started = time.monotonic()
    publisher.submit(3)  # alone: published once the linger is over, not held for ever
    assert publisher.flush(5)
    assert 0.2 < time.monotonic() - started < 2
    assert calls == [[1, 2], [3]]


def test_a_lingering_publisher_takes_what_arrived_during_its_linger_in_full_batches():
    calls: list[list[int]] = []
    publisher = BrokerPublisher(lambda ids: calls.append(list(ids)), batch=10, linger_seconds=0.2)
    for number in range(1, 26):
        publisher.submit(number)
    assert publisher.flush(5)
    assert [len(batch) for batch in calls] == [10, 10, 5]
    assert [n for batch in calls for n in batch] == list(range(1, 26))


@pytest.mark.django_db(transaction=True)
def test_a_text_arriving_on_a_dead_connection_is_stored_on_a_new_one(caplog):
    """The webhook skips Django's per-request health check; a connection the database dropped
    (restart, idle timeout) costs one retry of the idempotent insert, not the text."""
    import psycopg
    from django.db import connection

    from notifications.inbound import inbound_store

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close_if_unusable_or_obsolete()  # what the next request's start does

    stored = inbound_store(params={"MessageSid": "SMdead1", "From": "+15125550100", "Body": "no"})

    assert InboundMessage.objects.get(pk=stored).message_sid == "SMdead1"
    assert "database connection lost" in caplog.text
    assert inbound_store(params={"MessageSid": "SMdead1", "From": "+1", "Body": "x"}) is None


def test_the_senders_waiting_texts_are_found_through_the_senders_index_during_a_burst():
    # Statistics from a quiet night (no text waiting), then a morning's texts arrive. Asked for
    # "status = 'received'", PostgreSQL read the partial index of unprocessed texts, which it
    # believed empty, and filtered every waiting text to find this number's few.
    InboundMessage.objects.bulk_create(
        InboundMessage(
            message_sid=f"SMnight{i:027d}",
            from_number=f"+1512555{i % 2000:04d}",
            body="3",
            status=InboundStatus.PROCESSED,
        )
        for i in range(4000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_inboundmessage")
    InboundMessage.objects.bulk_create(
        InboundMessage(
            message_sid=f"SMburst{i:027d}", from_number=f"+1512555{i % 2000:04d}", body="no"
        )
        for i in range(4000)
    )
    waiting = list(
        InboundMessage.objects.filter(from_number="+15125550007", status=InboundStatus.RECEIVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    query = waiting_from_sender(waiting[-1])[:500]
    found = list(query)
    plan = query.explain()

    assert found == waiting and len(found) == 2
    assert "inbound_unprocessed_idx" not in plan, plan
    assert "inbound_from_idx" in plan, plan
