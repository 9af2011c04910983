"""The one-statement writes under the outbox and the inbound log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.db import claim, claim_many, claim_sql, insert_once, insert_once_pk
from notifications.models import InboundMessage, OutboundMessage
from notifications.outbox import outbox_cancel, record_sent

pytestmark = pytest.mark.django_db


def _values(key: str, **extra) -> dict:
    return {
        "idempotency_key": key,
        "channel": "sms",
        "to": "+15125550100",
        "body": "héllo ✓",
        "purpose": "other",
        "next_attempt_at": timezone.now(),
        **extra,
    }


def test_insert_once_writes_a_row_with_the_models_defaults_and_refuses_a_second():
    row = insert_once(OutboundMessage, conflict="idempotency_key", values=_values("k1"))

    assert row is not None and row.pk
    stored = OutboundMessage.objects.get(pk=row.pk)
    assert (stored.status, stored.attempts, stored.body) == ("pending", 0, "héllo ✓")
    assert stored.created_at is not None and stored.updated_at is not None  # defaults, auto_now
    again = insert_once(OutboundMessage, conflict="idempotency_key", values=_values("k1", body="x"))
    assert again is None
    assert OutboundMessage.objects.get(idempotency_key="k1").body == "héllo ✓"  # first one stands


def test_insert_once_stores_json_and_long_unicode_as_given():
    params = {"Body": "😀" * 500, "nested": "<script>'; DROP TABLE x; --"}
    row = insert_once(
        InboundMessage,
        conflict="message_sid",
        values={
            "message_sid": "SM1",
            "from_number": "+1",
            "body": params["Body"],
            "params": params,
        },
    )

    stored = InboundMessage.objects.get(pk=row.pk)
    assert stored.params == params and stored.body == "😀" * 500 and stored.status == "received"


def test_claim_moves_a_due_row_once_and_counts_the_attempt():
    row = insert_once(OutboundMessage, conflict="idempotency_key", values=_values("k2"))
    now = timezone.now()

    def take():
        return claim(
            OutboundMessage,
            pk=row.pk,
            status=("pending", "sending"),
            values={"sending_started_at": now},
            due_field="next_attempt_at",
            due_by=now,
        )

    first, second = take(), take()

    assert first is not None and second is None
    assert (first.status, first.attempts, first.sending_started_at) == ("sending", 1, now)


def test_claim_leaves_a_row_that_is_not_due_yet():
    later = timezone.now() + dt.timedelta(minutes=5)
    row = insert_once(
        OutboundMessage, conflict="idempotency_key", values=_values("k3", next_attempt_at=later)
    )

    taken = claim(
        OutboundMessage,
        pk=row.pk,
        status=("pending", "sending"),
        due_field="next_attempt_at",
        due_by=timezone.now(),
    )

    assert taken is None
    assert OutboundMessage.objects.get(pk=row.pk).status == "pending"


def test_insert_once_pk_returns_the_new_id_or_none_for_a_repeat():
    values = {"message_sid": "SM2", "from_number": "+1", "body": "ñ", "params": {"Body": "ñ"}}
    first = insert_once_pk(InboundMessage, conflict="message_sid", values=values)
    assert isinstance(first, int)
    assert (
        insert_once_pk(InboundMessage, conflict="message_sid", values=values | {"body": "x"})
        is None
    )
    stored = InboundMessage.objects.get(pk=first)
    assert (stored.body, stored.status, stored.params) == ("ñ", "received", {"Body": "ñ"})


def test_insert_once_pk_fills_defaults_and_refuses_a_key_that_is_not_a_column():
    before = timezone.now()
    pk = insert_once_pk(InboundMessage, conflict="message_sid", values={"message_sid": "SM3"})
    stored = InboundMessage.objects.get(pk=pk)
    assert (stored.attempts, stored.kind, stored.params, stored.patient_id) == (0, "", {}, None)
    assert before <= stored.received_at <= timezone.now()
    with pytest.raises(TypeError, match="patient"):
        # The model name of a foreign key is not a column: the caller passes ``patient_id``.
        insert_once_pk(
            InboundMessage, conflict="message_sid", values={"message_sid": "SM4", "patient": 1}
        )
    assert not InboundMessage.objects.filter(message_sid="SM4").exists()


def test_claim_many_takes_only_the_due_rows_in_the_first_status():
    due = [
        insert_once(OutboundMessage, conflict="idempotency_key", values=_values(f"d{i}"))
        for i in range(3)
    ]
    later = insert_once(
        OutboundMessage,
        conflict="idempotency_key",
        values=_values("later", next_attempt_at=timezone.now() + dt.timedelta(hours=1)),
    )
    now = timezone.now()
    OutboundMessage.objects.filter(pk=due[2].pk).update(status="sent")
    pks = [row.pk for row in due] + [later.pk, 999999]

    claimed = claim_many(
        OutboundMessage,
        pks=pks,
        status=("pending", "sending"),
        values={"sending_started_at": now},
        due_field="next_attempt_at",
        due_by=now,
    )

    assert sorted(row.pk for row in claimed) == [due[0].pk, due[1].pk]
    assert {(row.status, row.attempts) for row in claimed} == {("sending", 1)}
    # Without a due condition the row that is not due yet is taken too; the claimed ones are not.
    again = claim_many(OutboundMessage, pks=pks, status=("pending", "sending"))
    assert [row.pk for row in again] == [later.pk]
    assert claim_many(OutboundMessage, pks=[], status=("pending", "sending")) == []


def _plan(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_claim_finds_its_row_by_primary_key_even_when_the_planner_knows_nothing_of_the_table():
    # A burst's rows, written since the last ANALYZE (here: never). Asked for "status =
    # 'pending' AND next_attempt_at <= now", PostgreSQL chose the pending rows' partial index
    # and read all of them to claim one.
    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        OutboundMessage(**_values(f"burst{i}", to=f"+1512555{i:04d}", next_attempt_at=now))
        for i in range(3000)
    )
    InboundMessage.objects.bulk_create(
        InboundMessage(message_sid=f"SM{i:032d}", from_number=f"+1512555{i:04d}", body="no")
        for i in range(3000)
    )
    pk = OutboundMessage.objects.order_by("pk").values_list("pk", flat=True)[1500]
    inbound_pk = InboundMessage.objects.order_by("pk").values_list("pk", flat=True)[1500]

    outbox_plan = _plan(
        *claim_sql(
            OutboundMessage,
            pks=[pk],
            status=("pending", "sending"),
            values={"sending_started_at": now},
            due_field="next_attempt_at",
            due_by=now,
        )
    )
    inbound_plan = _plan(
        *claim_sql(InboundMessage, pks=[inbound_pk], status=("received", "processing"))
    )

    assert "notifications_inboundmessage_pkey" in inbound_plan, inbound_plan
    assert "inbound_unprocessed_idx" not in inbound_plan, inbound_plan
    assert "notifications_outboundmessage_pkey" in outbox_plan, outbox_plan
    assert "outbox_pending_idx" not in outbox_plan, outbox_plan


def test_cancelling_one_numbers_pending_texts_does_not_read_every_pending_row_of_a_burst():
    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        OutboundMessage(**_values(f"night{i}", status="sent", next_attempt_at=now))
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_outboundmessage")
    OutboundMessage.objects.bulk_create(
        OutboundMessage(**_values(f"burst{i}", next_attempt_at=now)) for i in range(3000)
    )
    mine = [
        insert_once(
            OutboundMessage,
            conflict="idempotency_key",
            values=_values(f"mine{i}", to="+15125559999", status=status),
        )
        for i, status in enumerate(["pending", "pending", "sent"])
    ]
    queryset = OutboundMessage.objects.filter(to="+15125559999")

    plan = queryset.filter(status__same="pending").explain()
    cancelled = outbox_cancel(queryset=queryset)

    assert "outbox_pending_idx" not in plan, plan
    assert cancelled == 2
    assert [
        row.status
        for row in OutboundMessage.objects.filter(pk__in=[m.pk for m in mine]).order_by("pk")
    ] == ["cancelled", "cancelled", "sent"]
    assert OutboundMessage.objects.filter(status="pending").count() == 3000


def test_recording_a_batch_as_sent_finds_its_rows_by_primary_key_during_a_burst():
    # Thousands of rows went in flight since the last ANALYZE, which saw none. Asked for "pk IN
    # (...) AND status = 'sending'", PostgreSQL read the in-flight rows' partial index instead.
    now = timezone.now()
    OutboundMessage.objects.bulk_create(
        OutboundMessage(**_values(f"night{i}", status="sent")) for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_outboundmessage")
    OutboundMessage.objects.bulk_create(
        OutboundMessage(**_values(f"burst{i}", status="sending", sending_started_at=now))
        for i in range(3000)
    )
    mine = [
        insert_once(
            OutboundMessage,
            conflict="idempotency_key",
            values=_values(f"mine{i}", status="sending", sending_started_at=now),
        )
        for i in range(2)
    ]

    with CaptureQueriesContext(connection) as captured:
        record_sent({mine[0].pk: "SM" + "a" * 32, mine[1].pk: "SM" + "b" * 32})

    [update] = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    plan = _plan(update, None)
    assert "outbox_inflight_idx" not in plan, plan
    assert list(
        OutboundMessage.objects.filter(pk__in=[m.pk for m in mine])
        .order_by("pk")
        .values_list("status", "provider_id")
    ) == [("sent", "SM" + "a" * 32), ("sent", "SM" + "b" * 32)]
    assert OutboundMessage.objects.filter(status="sending").count() == 3000


@pytest.mark.postgres_only  # reads PostgreSQL's EXPLAIN output
def test_the_send_failure_alert_reads_the_partial_failure_index_not_the_whole_outbox():
    """notifications/health.py send_failures_by_code runs every few minutes over an outbox that
    only grows; its WHERE clause must let the planner use outbox_failed_idx."""
    from notifications.health import send_failures_by_code

    now = timezone.now()
    insert_once(
        OutboundMessage,
        conflict="idempotency_key",
        values=_values("f-1", status="failed", attempts=1, error_code="30006"),
    )
    insert_once(
        OutboundMessage,
        conflict="idempotency_key",
        values=_values("ok-1", status="sent", attempts=1),
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as queries:
            assert send_failures_by_code(since=now - dt.timedelta(minutes=15)) == {"30006": 1}
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "outbox_failed_idx" in plan
