"""The outbox: every outbound message is a row first, then a send that is claimed exactly once.

Writers call :func:`outbox_enqueue` inside the transaction that makes the message necessary; the
row's send task is queued only after that transaction commits. If Redis is down the row simply waits:
the periodic sweep (:func:`outbox_sweep`) re-queues due rows, so nothing depends on the broker being up
at the moment of the state change.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from .backends import DeliveryError, get_sms_backend
from .db import claim, claim_many, insert_once
from .models import OutboundMessage, OutboundPurpose, OutboundStatus
from .publisher import bulk_publisher, publisher, reply_publisher
from .ratelimit import sms_send_wait

logger = logging.getLogger(__name__)


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


def outbox_send(*, message_id: int) -> str:
    """Send one pending row. Safe to call any number of times, concurrently: only the caller that
    claims the row (pending → sending) talks to the provider. Returns the row's resulting status."""
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "not-claimed"
    outcome, provider_id = _attempt(message, now)
    if outcome == OutboundStatus.SENT:
        _record_sent({message.pk: provider_id})
    return outcome


def _claim(message_id: int, now: dt.datetime) -> OutboundMessage | None:
    """pending -> sending if due, and the claimed row, in one statement."""
    return claim(
        OutboundMessage,
        pk=message_id,
        status=(OutboundStatus.PENDING, OutboundStatus.SENDING),
        values={"sending_started_at": now},
        due_field="next_attempt_at",
        due_by=now,
    )


def _attempt(message: OutboundMessage, now: dt.datetime) -> tuple[str, str]:
    """Pace and deliver a claimed row. A failure, a pause for the rate limit or a channel that is
    off is recorded here; a success is returned (with the provider's id) for the caller to record.
    """
    try:
        if message.channel == "sms" and (wait := _sms_pace(message)):
            return _rate_limited(message, wait), ""
        return OutboundStatus.SENT, _deliver(message)
    except DeliveryError as exc:
        return _record_failure(message, exc), ""
    except ImproperlyConfigured as exc:
        # The channel is off (no credentials): nothing left this process. Put the row back as it
        # was, so it is neither "sending" for ever nor taken for an ambiguous send, and say so.
        OutboundMessage.objects.filter(pk=message.pk, status__same=OutboundStatus.SENDING).update(
            status=OutboundStatus.PENDING,
            attempts=F("attempts") - 1,
            next_attempt_at=now + dt.timedelta(seconds=settings.OUTBOX_BACKOFF_BASE_SECONDS),
            last_error=f"channel not configured: {exc}"[:500],
        )
        logger.error("outbox: message %s not sent, channel not configured: %s", message.pk, exc)
        return "not-configured", ""


def _record_sent(provider_ids: dict[int, str]) -> None:
    """Record sent rows (row id -> provider id) in one statement. Only rows still "sending"
    move: a status callback that came first has already moved the row further."""
    if not provider_ids:
        return
    if len(provider_ids) == 1:
        [(pk, provider_id)] = provider_ids.items()
        provider_id_value = Value(provider_id)
    else:
        provider_id_value = Case(
            *(When(pk=pk, then=Value(sid)) for pk, sid in provider_ids.items()),
            output_field=OutboundMessage._meta.get_field("provider_id"),
        )
    OutboundMessage.objects.filter(pk__in=provider_ids, status__same=OutboundStatus.SENDING).update(
        status=OutboundStatus.SENT,
        provider_id=provider_id_value,
        provider_status="queued",
        sent_at=timezone.now(),
        last_error="",
        error_code="",
    )


def _bulk_budget_seconds() -> float:
    """How long after claiming a chunk a worker may still start sending one of its rows. A row
    claimed but not yet sent must never look abandoned: the sweep would reconcile it (find
    nothing at the provider) and queue it again while this worker sends it too. So the last
    row starts early enough to finish, with a full rate-limit wait and a full provider timeout,
    well inside both the stale-send timeout and the task's soft time limit."""
    limit = min(
        float(settings.OUTBOX_SENDING_TIMEOUT_SECONDS),
        float(settings.CELERY_TASK_SOFT_TIME_LIMIT or settings.OUTBOX_SENDING_TIMEOUT_SECONDS),
    )
    worst_row = float(settings.SMS_RATE_LIMIT_MAX_WAIT_SECONDS) + float(
        settings.TWILIO_TIMEOUT_SECONDS
    )
    return max(1.0, limit / 2 - worst_row)


def outbox_send_many(*, message_ids: list[int]) -> list[str]:
    """Send a chunk of rows (the bulk queue's task) in order, with two statements for the whole
    chunk instead of two per row: one claims every due row of it, one records the sent ones.

    When the sender's rate limit turns a row back, the rest would be turned back too: they go
    back to pending, due, for the sweep, as do the rows left when the chunk runs out of time
    (``_bulk_budget_seconds``). Returns each row's outcome, in ``message_ids`` order (rows not
    reached are left out)."""
    now = timezone.now()
    started = time.monotonic()
    budget = _bulk_budget_seconds()
    claimed = {
        row.pk: row
        for row in claim_many(
            OutboundMessage,
            pks=list(message_ids),
            status=(OutboundStatus.PENDING, OutboundStatus.SENDING),
            values={"sending_started_at": now},
            due_field="next_attempt_at",
            due_by=now,
        )
    }
    outcomes: list[str] = []
    sent: dict[int, str] = {}
    untried = [pk for pk in message_ids if pk in claimed]
    try:
        for message_id in message_ids:
            message = claimed.get(message_id)
            if message is None:
                outcomes.append("not-claimed")
                continue
            if time.monotonic() - started > budget:
                break
            untried.remove(message_id)
            outcome, provider_id = _attempt(message, now)
            outcomes.append(outcome)
            if outcome == OutboundStatus.SENT:
                sent[message_id] = provider_id
            elif outcome == "rate-limited":
                break
    finally:
        _record_sent(sent)
        _release(untried)
    return outcomes


def _release(message_ids: list[int]) -> None:
    """Claimed rows this worker did not try: back to pending as if never claimed."""
    if message_ids:
        OutboundMessage.objects.filter(
            pk__in=message_ids, status__same=OutboundStatus.SENDING
        ).update(status=OutboundStatus.PENDING, attempts=F("attempts") - 1, sending_started_at=None)


def _sms_pace(message: OutboundMessage) -> float:
    """Wait for this sender's next SMS token (notifications.ratelimit); 0.0 once it is ours.
    Only a provider with per-sender limits is paced: the memory and simulator backends are not."""
    paced = getattr(get_sms_backend(), "name", "") == "twilio"
    return sms_send_wait(urgent=not message.unsolicited, paced=paced)


def _rate_limited(message: OutboundMessage, wait: float) -> str:
    """No token in time: the row goes back to pending as if never claimed, due when one is."""
    OutboundMessage.objects.filter(pk=message.pk, status__same=OutboundStatus.SENDING).update(
        status=OutboundStatus.PENDING,
        attempts=F("attempts") - 1,
        sending_started_at=None,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=wait),
    )
    logger.info("outbox: message %s paced, due again in %.1fs", message.pk, wait)
    return "rate-limited"


def _deliver(message: OutboundMessage) -> str:
    if message.channel == "sms":
        return get_sms_backend().send(
            to=message.to,
            body=message.body,
            status_callback=status_callback_url(message),
            sender=message.sender,
        )
    if message.channel == "email":
        email = EmailMultiAlternatives(
            subject=message.subject or "Message from your care team",
            body=message.body,
            to=[message.to],
            headers={"X-Outbound-Id": str(message.pk)},
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        try:
            email.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - SMTP raises many unrelated classes
            raise DeliveryError(f"email failed: {type(exc).__name__}") from exc
        return f"email-{message.pk}"
    raise DeliveryError(f"unknown channel {message.channel!r}", permanent=True)


def _record_failure(message: OutboundMessage, exc: DeliveryError) -> str:
    now = timezone.now()
    fields = {"last_error": str(exc)[:500], "error_code": exc.code}
    if exc.ambiguous:
        status = OutboundStatus.UNKNOWN
    elif exc.permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        status = OutboundStatus.FAILED
    else:
        status = OutboundStatus.PENDING
        backoff = settings.OUTBOX_BACKOFF_BASE_SECONDS * (2 ** (message.attempts - 1))
        delay = max(backoff, exc.retry_after or 0)
        fields["next_attempt_at"] = now + dt.timedelta(seconds=min(delay, 3600))
    OutboundMessage.objects.filter(pk=message.pk, status__same=OutboundStatus.SENDING).update(
        status=status, **fields
    )
    logger.warning(
        "outbox: message %s %s after attempt %s (code=%s)",
        message.pk,
        status,
        message.attempts,
        exc.code or "-",
    )
    if status == OutboundStatus.FAILED:
        from .signals import outbound_failed

        message.refresh_from_db()
        outbound_failed.send(
            sender=OutboundMessage, message=message, permanent=exc.permanent, reason=exc.reason
        )
    return status


def outbox_reconcile(*, message_id: int) -> str:
    """Decide the fate of an UNKNOWN row before anything is resent: if the provider has it, it was sent."""
    message = OutboundMessage.objects.get(pk=message_id)
    if message.status != OutboundStatus.UNKNOWN:
        return message.status
    # A sid another row already owns is that row's text, not this one (the same reminder or
    # re-prompt can go to one number twice in a day): matching it would drop this message.
    owned = set(
        OutboundMessage.objects.filter(to=message.to, provider_id__isnull=False)
        .exclude(pk=message.pk)
        .values_list("provider_id", flat=True)
    )
    try:
        since = (message.sending_started_at or message.created_at) - dt.timedelta(minutes=1)
        provider_id = get_sms_backend().find_sent(
            to=message.to, body=message.body, since=since, exclude=owned
        )
    except DeliveryError:
        return OutboundStatus.UNKNOWN  # try again next sweep
    if provider_id:
        try:
            with transaction.atomic():
                OutboundMessage.objects.filter(
                    pk=message.pk, status__same=OutboundStatus.UNKNOWN
                ).update(
                    status=OutboundStatus.SENT, provider_id=provider_id, sent_at=timezone.now()
                )
        except IntegrityError:
            # A status callback gave that sid to another row meanwhile: look again next sweep.
            return OutboundStatus.UNKNOWN
        return OutboundStatus.SENT
    OutboundMessage.objects.filter(pk=message.pk, status__same=OutboundStatus.UNKNOWN).update(
        status=OutboundStatus.PENDING, next_attempt_at=timezone.now()
    )
    return OutboundStatus.PENDING


def outbox_sweep(*, now: dt.datetime) -> dict:
    """Queue due pending rows; recover rows a dead worker left in flight. Called by the dispatch sweep."""
    stale = now - dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    # A worker that died between claim and result leaves "sending": we cannot know whether the
    # provider got it, so it becomes UNKNOWN and is reconciled, never resent blindly.
    recovered = OutboundMessage.objects.filter(
        status=OutboundStatus.SENDING, sending_started_at__lt=stale
    ).update(status=OutboundStatus.UNKNOWN, last_error="worker lost during send")
    reconciled = 0
    unknown_ids = list(
        OutboundMessage.objects.filter(
            status=OutboundStatus.UNKNOWN, sending_started_at__lt=stale
        ).values_list("pk", flat=True)[:200]
    )
    for message_id in unknown_ids:
        try:
            outcome = outbox_reconcile(message_id=message_id)
        except Exception:  # noqa: BLE001 - one row must not stop the queueing below (emails too)
            logger.exception("outbox: could not reconcile message %s", message_id)
            continue
        if outcome != OutboundStatus.UNKNOWN:
            reconciled += 1
    due = list(
        OutboundMessage.objects.filter(status=OutboundStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "unsolicited", "purpose")[: settings.SWEEP_BATCH_SIZE]
    )
    due_ids = [message_id for message_id, _, _ in due]
    # Each on its own lane, as when it was written: a reply the rate limit put back must not
    # come round again on the pages' queue.
    for message_id, unsolicited, purpose in due:
        if not unsolicited:
            enqueue_send(message_id, purpose=purpose)
    enqueue_sends([message_id for message_id, unsolicited, _ in due if unsolicited], bulk=True)
    return {
        "outbox_queued": len(due_ids),
        "outbox_recovered": recovered,
        "outbox_reconciled": reconciled,
    }


def outbox_cancel(*, queryset) -> int:
    """Cancel rows that have not been handed to a provider yet."""
    # status__same: the caller's condition finds the rows, not the pending index (lookups.py).
    return queryset.filter(status__same=OutboundStatus.PENDING).update(
        status=OutboundStatus.CANCELLED, last_error="cancelled before sending"
    )
