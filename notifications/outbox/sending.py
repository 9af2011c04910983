"""Sending claimed rows: one (``outbox_send``) or a bulk chunk (``outbox_send_many``).

Seams tests may patch on this module: ``deliver`` (the provider call), ``sms_pace`` (the
sender's rate limit) and ``bulk_budget_seconds`` (a chunk's time budget)."""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.db.models import Case, F, Value, When
from django.utils import timezone

from ..backends import DeliveryError, get_sms_backend
from ..db import claim, claim_many
from ..models import OutboundMessage, OutboundStatus
from ..ratelimit import sms_send_wait
from .enqueue import status_callback_url

# One logger for the whole outbox, as before it became a package (log filters name it).
logger = logging.getLogger("notifications.outbox")


def outbox_send(*, message_id: int) -> str:
    """Send one pending row. Safe to call any number of times, concurrently: only the caller that
    claims the row (pending → sending) talks to the provider. Returns the row's resulting status."""
    now = timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "not-claimed"
    outcome, provider_id = _attempt(message, now)
    if outcome == OutboundStatus.SENT:
        record_sent({message.pk: provider_id})
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
        if message.channel == "sms" and (wait := sms_pace(message)):
            return _rate_limited(message, wait), ""
        return OutboundStatus.SENT, deliver(message)
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


def record_sent(provider_ids: dict[int, str]) -> None:
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


def bulk_budget_seconds() -> float:
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
    (``bulk_budget_seconds``). Returns each row's outcome, in ``message_ids`` order (rows not
    reached are left out)."""
    now = timezone.now()
    started = time.monotonic()
    budget = bulk_budget_seconds()
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
        record_sent(sent)
        _release(untried)
    return outcomes


def _release(message_ids: list[int]) -> None:
    """Claimed rows this worker did not try: back to pending as if never claimed."""
    if message_ids:
        OutboundMessage.objects.filter(
            pk__in=message_ids, status__same=OutboundStatus.SENDING
        ).update(status=OutboundStatus.PENDING, attempts=F("attempts") - 1, sending_started_at=None)


def sms_pace(message: OutboundMessage) -> float:
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


def deliver(message: OutboundMessage) -> str:
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
        from ..signals import outbound_failed

        message.refresh_from_db()
        outbound_failed.send(
            sender=OutboundMessage, message=message, permanent=exc.permanent, reason=exc.reason
        )
    return status
