"""Inbound texts: stored once per ``MessageSid``, processed once, routed in a fixed order.

Exactly once (DESIGN rule 3): the webhook only stores the text (one ``INSERT ... ON CONFLICT DO
NOTHING`` on the unique ``message_sid``), hands its id to a background publisher and answers
Twilio with an empty TwiML response. A worker then claims the row with a conditional update
(received -> processing) in the same transaction that processes it. Only the task that claims the
row acts on it; Twilio retrying, or two copies arriving at the same moment, store nothing new,
and a second task finds the row claimed or processed. If processing crashes, the transaction
(claim included) rolls back, the row stays "received" with the error noted, and the sweep
processes it again later; if the broker is down the row waits for the sweep the same way: nothing
is lost, nothing is done twice. A worker processes a number's earlier unprocessed texts before the
one it was given, so a patient's answers are taken in the order they were sent.

Why not process inside the request: at the 10:00 burst the web tier would run the whole
conversation (parsing, scoring, screening, escalation) for every reply while Twilio waits; storing
first keeps the webhook close to a trivial view's speed (bench item 3), and every reply the patient
gets, safety instructions included, goes through the outbox, which retries and records delivery.

What a text means is the domain's business, reached only through two settings hooks given as
dotted paths (as ``SMS_BACKEND`` is), so this module imports nothing of the project's apps:
``INBOUND_HANDLER`` routes a claimed text (called inside the claiming transaction, returns a
:class:`Routed`) and ``INBOUND_LANE_CHOOSER`` picks its queue in Twilio's request. In this
project both live in ``followup.conversation`` (routing order, keywords, shared phones).

The safety instruction a text earned comes back in ``Routed.safety`` and is queued here, once
per text, ahead of survey traffic (the outbox's non-bulk lane) so it reaches the patient within
seconds; every reply goes through the outbox.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string

from .db import claim, insert_once_pk
from .models import InboundMessage, InboundStatus, OutboundPurpose
from .outbox import outbox_enqueue
from .publisher import inbound_publisher, inbound_urgent_publisher

logger = logging.getLogger(__name__)

# After this many crashed tries a text stops being retried and is shown to staff as failed.
MAX_PROCESSING_ATTEMPTS = 5
# Rows younger than this are normally still on their way to a worker; the sweep leaves them alone.
RETRY_AFTER = dt.timedelta(minutes=1)


@dataclass
class Routed:
    """What the handler (settings.INBOUND_HANDLER) made of one text, stored on its row."""

    kind: str  # shown to staff, e.g. "answer", "stop", "held_shared"
    patient: object | None = None  # a patients.Patient (the row's foreign key), or None
    checkpoint: object | None = None  # a followup.Checkpoint, or None
    safety: str = ""  # a safety instruction to queue now, once for this text
    reply: str = ""  # the reply already queued, recorded for staff


def reply_key(message_sid: str, part: str = "reply") -> str:
    """The outbox idempotency key of what a text earns: one "reply", one "safety" text, one
    "ask" (who is writing?) per ``MessageSid``, so a retried text never answers twice."""
    return f"inbound:{message_sid}:{part}"


# --------------------------------------------------------------------------- hooks


@functools.lru_cache(maxsize=8)
def _hook(path: str) -> Callable:
    return import_string(path)


def inbound_handler() -> Callable[..., Routed]:
    """``handler(row, *, now) -> Routed``: the domain's routing of one claimed text."""
    return _hook(settings.INBOUND_HANDLER)


def inbound_lane(body: str) -> str:
    """ "urgent" or "routine": the queue a text waits in, chosen by settings.INBOUND_LANE_CHOOSER.
    Only the queue differs; both are processed the same way."""
    return _hook(settings.INBOUND_LANE_CHOOSER)(body)


# --------------------------------------------------------------------------- store and claim


def _clean(params: dict) -> dict:
    return {str(k): str(v) for k, v in params.items()}


def inbound_store(*, params: dict) -> int | None:
    """Store a webhook's text once per ``MessageSid``, in one statement (no transaction of its
    own: this runs inside Twilio's request). Returns the new row's id, or None when this
    ``MessageSid`` was stored before (a retried or duplicated delivery: nothing to do)."""
    params = _clean(params)
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    if not sid:
        raise ValueError("inbound message without MessageSid")
    values = {
        "message_sid": sid,
        "from_number": params.get("From", "")[:32],
        "to_number": params.get("To", "")[:32],
        "body": params.get("Body", ""),
        "params": params,
        "status": InboundStatus.RECEIVED,
    }
    if connection.in_atomic_block:
        return insert_once_pk(InboundMessage, conflict="message_sid", values=values)
    # Django's health check (CONN_HEALTH_CHECKS) would spend a round trip on every text to make
    # sure a kept connection still works. The insert is idempotent (nothing happens for a sid
    # already stored), so here a connection found dead costs one retry on a fresh one instead.
    connection.health_check_done = True
    try:
        return insert_once_pk(InboundMessage, conflict="message_sid", values=values)
    except (InterfaceError, OperationalError):
        connection.close()
        logger.warning("inbound: database connection lost, storing the text on a new one")
        return insert_once_pk(InboundMessage, conflict="message_sid", values=values)


def inbound_receive(*, params: dict) -> int | None:
    """Store one webhook text and queue its processing; its id, or None for a repeat delivery."""
    inbound_id = inbound_store(params=params)
    if inbound_id is None:
        return None
    routine = inbound_lane(str(params.get("Body", ""))) == "routine"
    lane = inbound_publisher if routine else inbound_urgent_publisher
    transaction.on_commit(lambda: lane.submit(inbound_id))
    return inbound_id


def inbound_process_in_order(*, inbound_id: int, now: dt.datetime | None = None) -> None:
    """Process a stored text, after any earlier unprocessed texts from the same number.

    Two workers may hold consecutive texts of one patient. The claim's row lock orders them: a
    worker reaching an earlier row that another worker is processing waits for that transaction,
    then finds it processed and moves on to its own.
    """
    waiting = list(waiting_from_sender(inbound_id)[: settings.SWEEP_BATCH_SIZE])
    if inbound_id not in waiting:  # processed already (or more than a batch ahead: the sweep's)
        return
    for pk in waiting:
        inbound_process(inbound_id=pk, now=now)


def waiting_from_sender(inbound_id: int) -> QuerySet:
    """The ids of the unprocessed texts from this text's number, up to it, oldest first.

    ``status__same``, not ``status=``: the sender's index finds them (0.06 ms), where the
    partial index of unprocessed texts, which statistics from before a burst call nearly empty,
    meant filtering every waiting text (12 ms a text with 60,000 waiting; lookups.py)."""
    sender = InboundMessage.objects.filter(pk=inbound_id).order_by().values("from_number")[:1]
    return (
        InboundMessage.objects.filter(
            from_number=Subquery(sender), status__same=InboundStatus.RECEIVED, pk__lte=inbound_id
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def inbound_process(*, inbound_id: int, now: dt.datetime | None = None) -> None:
    """Process a stored text if this caller can claim it. Never raises: a crash is recorded and the
    row is left for the sweep."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            row = claim(
                InboundMessage,
                pk=inbound_id,
                status=(InboundStatus.RECEIVED, InboundStatus.PROCESSING),
            )
            if row is None:
                return
            routed = inbound_handler()(row, now=now)
            _send_safety(row, routed, now=now)
            row.status = InboundStatus.PROCESSED
            row.processed_at = now
            row.kind = routed.kind
            row.patient = routed.patient
            row.checkpoint = routed.checkpoint
            row.reply_text = " / ".join(part for part in (routed.reply, routed.safety) if part)
            row.last_error = ""
            row.save(
                update_fields=[
                    "status",
                    "processed_at",
                    "kind",
                    "patient",
                    "checkpoint",
                    "reply_text",
                    "last_error",
                ]
            )
    except Exception as exc:  # noqa: BLE001 - any failure must leave the text for a retry, not lose it
        logger.exception("inbound %s: processing failed", inbound_id)
        _record_crash(inbound_id, exc)
        return ""


def _record_crash(inbound_id: int, exc: Exception) -> None:
    row = (
        InboundMessage.objects.filter(pk=inbound_id)
        .exclude(status__same=InboundStatus.PROCESSED)
        .first()
    )
    if row is None:
        return
    attempts = row.attempts + 1
    status = InboundStatus.FAILED if attempts >= MAX_PROCESSING_ATTEMPTS else InboundStatus.RECEIVED
    InboundMessage.objects.filter(pk=inbound_id, status__same=row.status).update(
        attempts=attempts, status=status, last_error=f"{type(exc).__name__}: {exc}"[:500]
    )


def inbound_retry_stale(*, now: dt.datetime) -> dict:
    """Sweep step: process again texts whose processing crashed (or whose request died)."""
    cutoff = min(now, timezone.now()) - RETRY_AFTER
    ids = list(
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[: settings.SWEEP_BATCH_SIZE]
    )
    done = 0
    for inbound_id in ids:
        inbound_process(inbound_id=inbound_id, now=now)
        done += InboundMessage.objects.filter(pk=inbound_id, status=InboundStatus.PROCESSED).count()
    return {"inbound_retried": len(ids), "inbound_recovered": done}


# --------------------------------------------------------------------------- safety replies


def _send_safety(row: InboundMessage, routed: Routed, *, now: dt.datetime) -> None:
    """Queue the safety instruction this text earned, once per text (the one place it is sent
    for an inbound text: conversation and screening only hand it back)."""
    if not routed.safety:
        return
    outbox_enqueue(
        key=reply_key(row.message_sid, "safety"),
        channel="sms",
        to=row.from_number,
        sender=row.to_number,
        body=routed.safety,
        purpose=OutboundPurpose.SAFETY,
        patient=routed.patient,
        checkpoint=routed.checkpoint,
        unsolicited=False,
        now=now,
    )


def inbound_reply(
    row: InboundMessage,
    *,
    body: str,
    patient=None,
    purpose: str = OutboundPurpose.KEYWORD,
    key: str | None = None,
    now: dt.datetime,
) -> str:
    """Queue the answer to a text (one per text unless ``key`` says otherwise); returns it."""
    outbox_enqueue(
        key=key or reply_key(row.message_sid),
        channel="sms",
        to=row.from_number,
        # Answered from the number it was sent to: the patient's thread stays with that clinic.
        sender=row.to_number,
        body=body,
        purpose=purpose,
        patient=patient,
        unsolicited=False,
        now=now,
    )
    return body
