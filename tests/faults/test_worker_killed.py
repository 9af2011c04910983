"""Item 1: a Celery worker SIGKILLed while sending a batch of 200 texts; a new worker finishes.

Each send is claimed (pending -> sending) before Twilio is called, so a killed worker can leave a
row "sending" whose text Twilio may or may not have. The sweep turns such a row "unknown" after
the recovery timeout and reconciles it from Twilio's message log before anything is resent. The
tasks the dead worker had reserved are never acknowledged; the rows they were for are still
"pending" and the sweep queues them again.
"""

from __future__ import annotations

import collections
import time

import pytest
from django.db import transaction

from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue

from .conftest import (
    SENDING_TIMEOUT_SECONDS,
    SWEEP_INTERVAL_SECONDS,
    assert_sent_exactly_once,
    sends_per_row,
    wait_until,
)

pytestmark = [pytest.mark.faults]

BATCH = 200
KILL_AT = 80


def _statuses(ids: list[int]) -> dict[str, int]:
    rows = OutboundMessage.objects.filter(pk__in=ids).values_list("status", flat=True)
    return dict(collections.Counter(rows))


def test_it_sends_each_of_200_texts_once_when_the_worker_is_killed_mid_batch(
    processes, fake_twilio, report
):
    # Twilio takes 50 ms to answer and has the message before it answers, so the kill is likely
    # to catch a send that Twilio accepted but the worker never heard back about.
    fake_twilio.set_default("accept_late", seconds=0.05)
    # Paced as production paces (notifications.ratelimit), at 20 SMS/s: a claimed row may be
    # waiting for its token when the worker dies, a second way to be "sending" and not sent.
    paced = {"SMS_RATE_LIMIT_PER_SECOND": "20"}
    first = processes.worker("first", concurrency=2, env=paced)
    with transaction.atomic():
        ids = [
            outbox_enqueue(
                key=f"fault-batch:{i}",
                channel="sms",
                to=f"+1512666{i:04d}",
                body=f"Your check is due. Reply 1-10. (batch {i})",
                purpose="other",
            ).pk
            for i in range(BATCH)
        ]

    fake_twilio.wait_for(lambda f: len(f.messages) >= KILL_AT, timeout=60)
    first.kill()
    killed_at = len(fake_twilio.messages)
    at_kill = _statuses(ids)
    assert killed_at < BATCH, "the batch finished before the kill: nothing was tested"

    # A new worker, and the beat that sweeps once a second.
    processes.worker("second", concurrency=2, env=paced)
    processes.beat()
    started = time.monotonic()
    wait_until(
        lambda: (
            not OutboundMessage.objects.filter(pk__in=ids, status=OutboundStatus.SENDING).exists()
        ),
        timeout=SENDING_TIMEOUT_SECONDS + 10 * SWEEP_INTERVAL_SECONDS + 10,
        what="rows left 'sending' by the dead worker to be recovered",
    )
    unstuck_after = time.monotonic() - started
    wait_until(
        lambda: (
            OutboundMessage.objects.filter(pk__in=ids, status=OutboundStatus.SENT).count() == BATCH
        ),
        timeout=90,
        what=f"all {BATCH} rows to be sent; now {_statuses(ids)}",
    )
    time.sleep(2 * SWEEP_INTERVAL_SECONDS)  # anything still queued would show up now

    assert_sent_exactly_once(fake_twilio, ids)
    assert len(fake_twilio.messages) == BATCH
    assert _statuses(ids) == {OutboundStatus.SENT: BATCH}
    rows = OutboundMessage.objects.filter(pk__in=ids)
    assert all(row.provider_id for row in rows)
    # Every provider id on a row is the one Twilio gave that row's text.
    by_sid = {m["sid"]: m for m in fake_twilio.messages}
    assert {row.pk for row in rows if by_sid[row.provider_id]["body"] == row.body} == set(ids)
    reconciled = rows.filter(last_error="worker lost during send").count()
    resent = rows.filter(attempts__gt=1).count()
    counts = sends_per_row(fake_twilio)
    assert max(counts.values()) == 1
    assert unstuck_after <= SENDING_TIMEOUT_SECONDS + 10 * SWEEP_INTERVAL_SECONDS + 10
    report(
        scenario="1 worker SIGKILL mid-batch",
        batch=BATCH,
        paced_sms_per_second=20,
        accepted_by_twilio_at_kill=killed_at,
        rows_at_kill=at_kill,
        reconciled_from_twilio_log=reconciled,
        resent_after_recovery=resent,
        sent=len(fake_twilio.messages),
        duplicates=sum(n - 1 for n in counts.values()),
        seconds_until_nothing_sending=round(unstuck_after, 1),
    )
