"""The outbox: every outbound message is a row first, then a send that is claimed exactly once.

Writers call :func:`outbox_enqueue` inside the transaction that makes the message necessary; the
row's send task is queued only after that transaction commits. If Redis is down the row simply waits:
the periodic sweep (:func:`outbox_sweep`) re-queues due rows, so nothing depends on the broker being up
at the moment of the state change.
"""

from .enqueue import (
    BULK_CHUNK,
    URGENT_PURPOSES,
    enqueue_send,
    enqueue_sends,
    outbox_enqueue,
    status_callback_url,
)
from .sending import outbox_send, outbox_send_many, record_sent
from .sweep import outbox_cancel, outbox_reconcile, outbox_sweep

__all__ = [
    "BULK_CHUNK",
    "URGENT_PURPOSES",
    "enqueue_send",
    "enqueue_sends",
    "outbox_cancel",
    "outbox_enqueue",
    "outbox_reconcile",
    "outbox_send",
    "outbox_send_many",
    "outbox_sweep",
    "record_sent",
    "status_callback_url",
]
