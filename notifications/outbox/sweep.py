"""Rows whose fate is unsure: reconciling ambiguous sends, the periodic re-queue, cancelling."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..backends import DeliveryError, get_sms_backend
from ..models import OutboundMessage, OutboundStatus
from .enqueue import enqueue_send, enqueue_sends

# One logger for the whole outbox, as before it became a package (log filters name it).
logger = logging.getLogger("notifications.outbox")


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
