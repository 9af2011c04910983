"""Writing outbox rows and queueing their sends once the transaction commits."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..db import insert_once
from ..models import OutboundMessage, OutboundPurpose
from ..publisher import bulk_publisher, publisher, reply_publisher

# One logger for the whole outbox, as before it became a package (log filters name it).
logger = logging.getLogger("notifications.outbox")


def outbox_enqueue(
    *,
    key: str,
    channel: str,
    to: str,
    body: str,
    purpose: str,
    sender: str = "",
    patient=None,
    checkpoint=None,
    recipient_user=None,
    subject: str = "",
    html_body: str = "",
    unsolicited: bool = False,
    send_after: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> OutboundMessage:
    """Write an outbound message row (once per ``key``) and queue its send after commit.

    ``sender`` (a number or messaging service SID, "" for the backend's default) is chosen by the
    caller: the transport does not know which clinic a text belongs to."""
    message = insert_once(
        OutboundMessage,
        conflict="idempotency_key",
        values={
            "idempotency_key": key,
            "channel": channel,
            "to": to,
            "sender": sender,
            "body": body,
            "subject": subject,
            "html_body": html_body,
            "purpose": purpose,
            "patient": patient,
            "checkpoint": checkpoint,
            "recipient_user": recipient_user,
            "unsolicited": unsolicited,
            "next_attempt_at": send_after or timezone.now(),
            "created_at": now or timezone.now(),
        },
    )
    created = message is not None
    if not created:  # written before (a retry, a second sweep): that row stands
        message = OutboundMessage.objects.get(idempotency_key=key)
    if created and (send_after is None or send_after <= timezone.now()):
        message_id = message.pk
        if unsolicited:
            transaction.on_commit(lambda: enqueue_send(message_id, bulk=True))
        else:
            transaction.on_commit(lambda: enqueue_send(message_id, purpose=purpose))
    return message


# What a red flag sends: these alone (and texts that may carry one) use the ``celery`` queue.
URGENT_PURPOSES = frozenset(
    {OutboundPurpose.PAGE, OutboundPurpose.SAFETY, OutboundPurpose.STAFF_ALERT}
)


def enqueue_send(message_id: int, *, bulk: bool = False, purpose: str = "") -> None:
    """Hand a row to Celery without waiting for the broker (see ``notifications.publisher``): a
    dead or slow Redis costs the caller nothing, and the sweep queues whatever it missed.
    ``bulk`` (unsolicited texts) and conversation replies (a ``purpose`` outside
    ``URGENT_PURPOSES``) go to queues of their own, so neither holds up a page; a row whose
    purpose the caller does not say goes with the pages."""
    if bulk:
        enqueue_sends([message_id], bulk=True)
    elif not purpose or purpose in URGENT_PURPOSES:
        publisher.submit(message_id)
    else:
        reply_publisher.submit(message_id)


# Unsolicited rows go out this many to a task: a 10,000-check morning is 500 tasks to publish
# and acknowledge, not 10,000, and a page waits for at most one chunk to free a worker
# process (docs/benchmarks.md).
BULK_CHUNK = 20


def enqueue_sends(message_ids: list[int], *, bulk: bool) -> None:
    """``enqueue_send`` for many rows; bulk ones in chunks of ``BULK_CHUNK`` per task."""
    if not bulk:
        for message_id in message_ids:
            publisher.submit(message_id)
        return
    for start in range(0, len(message_ids), BULK_CHUNK):
        bulk_publisher.submit(list(message_ids[start : start + BULK_CHUNK]))


def status_callback_url(message: OutboundMessage) -> str:
    # The row id in the URL lets a callback reconcile an ambiguous send without a provider id.
    return f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/status/?m={message.pk}"
