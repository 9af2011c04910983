"""Item 4b: the ambiguous send. Twilio's create-message API has no idempotency key, so when the
client times out after the request left, only Twilio knows whether the patient got the text.

The design: the row goes "unknown" (never straight back to "pending"); its status-callback URL
carries the row id, so Twilio's callback settles it; failing that, after the recovery timeout the
sweep looks the text up in Twilio's message log, and only a text Twilio never got is resent.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue

from .conftest import SENDING_TIMEOUT_SECONDS, assert_sent_exactly_once, sends_per_row, wait_until

pytestmark = [pytest.mark.faults]

LATE = 2.0  # Twilio answers after 2 s; the client gave up after 1 s


def _enqueue(key: str, to: str) -> int:
    with transaction.atomic():
        return outbox_enqueue(
            key=key, channel="sms", to=to, body=f"Your check ({key})", purpose="other"
        ).pk


def _status(pk: int) -> str:
    return OutboundMessage.objects.get(pk=pk).status


def test_it_sends_one_sms_when_twilio_accepts_but_answers_after_the_timeout(
    processes, fake_twilio, report
):
    worker = processes.worker()
    processes.beat()

    # 1. Settled by the status callback (the fake posts it 1.5 s after accepting, to gunicorn).
    fake_twilio.callbacks = True
    fake_twilio.callback_delay = 1.5
    fake_twilio.push("accept_late", to="+15129990001", seconds=LATE)
    by_callback = _enqueue("amb-callback", "+15129990001")
    wait_until(lambda: _status(by_callback) == OutboundStatus.UNKNOWN, timeout=10, what="unknown")
    unknown_at = fake_twilio.requests[-1]["time"]
    wait_until(
        lambda: _status(by_callback) == OutboundStatus.DELIVERED,
        timeout=20,
        what="the callbacks to settle the unknown row",
    )
    fake_twilio.callbacks = False

    # 2. No callback ever arrives: reconciled from Twilio's message log, not resent.
    # 3. The request hung before Twilio accepted it: not in the log, so resent, once.
    fake_twilio.push("accept_late", to="+15129990002", seconds=LATE)
    fake_twilio.push("hang", to="+15129990003", seconds=LATE)
    by_log = _enqueue("amb-log", "+15129990002")
    resent = _enqueue("amb-hang", "+15129990003")
    for pk in (by_log, resent):
        wait_until(lambda pk=pk: _status(pk) == OutboundStatus.UNKNOWN, timeout=10, what="unknown")
    wait_until(
        lambda: _status(by_log) == _status(resent) == OutboundStatus.SENT,
        timeout=SENDING_TIMEOUT_SECONDS + 15,
        what="the sweep to reconcile one row from the message log and resend the other",
    )

    ids = [by_callback, by_log, resent]
    assert_sent_exactly_once(fake_twilio, ids)
    creates = {to: 0 for to in ("+15129990001", "+15129990002", "+15129990003")}
    for request in fake_twilio.requests:
        creates[request["to"]] += 1
    assert creates == {"+15129990001": 1, "+15129990002": 1, "+15129990003": 2}
    rows = {row.pk: row for row in OutboundMessage.objects.filter(pk__in=ids)}
    sids = {m["to"]: m["sid"] for m in fake_twilio.messages}
    assert rows[by_callback].provider_id == sids["+15129990001"]
    assert rows[by_log].provider_id == sids["+15129990002"]
    assert rows[resent].provider_id == sids["+15129990003"]
    assert rows[by_callback].provider_status == "delivered"
    # The callback, not the sweep's reconciliation, settled the first one.
    settled_in = rows[by_callback].sent_at.timestamp() - unknown_at
    assert settled_in < SENDING_TIMEOUT_SECONDS
    assert "unknown after attempt 1" in worker.output(200_000)
    report(
        scenario="4b ambiguous send (accepted, answered after the timeout)",
        settled_by_status_callback=1,
        settled_from_message_log=1,
        never_accepted_then_resent=1,
        create_requests=creates,
        sms_per_row=dict(sends_per_row(fake_twilio)),
        duplicates=0,
    )
