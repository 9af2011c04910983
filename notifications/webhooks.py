"""Twilio webhooks: inbound texts and delivery status callbacks. Both are signed (403 otherwise).

Both answer in a few milliseconds, well inside Twilio's 15 s limit: an inbound text is stored
(one INSERT) and processed by a worker (notifications.inbound), and a status callback is one
conditional update. Nothing in either request waits for Redis.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from .backends.twilio import PERMANENT_CODES, failure_reason
from .inbound import inbound_receive
from .models import OutboundMessage, OutboundStatus
from .signals import outbound_failed
from .twilio_signature import twilio_signature_valid
from .webhook_guard import twilio_webhook

logger = logging.getLogger(__name__)

TWIML = "application/xml"
EMPTY_TWIML = str(MessagingResponse())


def _params(request: HttpRequest) -> dict[str, str]:
    # Twilio never repeats a parameter; the last value wins if someone does.
    return {key: request.POST.get(key, "") for key in request.POST}


@csrf_exempt
@require_POST
@twilio_webhook
def twilio_sms(request: HttpRequest) -> HttpResponse:
    """``POST /webhooks/twilio/sms/``: store once, answer with an empty TwiML response; a worker
    processes the text and every reply goes through the outbox."""
    if not twilio_signature_valid(request):
        return HttpResponseForbidden("invalid signature")
    params = _params(request)
    if not (params.get("MessageSid") or params.get("SmsSid")):
        return HttpResponseBadRequest("MessageSid missing")
    inbound_receive(params=params)
    return HttpResponse(EMPTY_TWIML, content_type=TWIML)


@csrf_exempt
@require_POST
@twilio_webhook
def twilio_status(request: HttpRequest) -> HttpResponse:
    """``POST /webhooks/twilio/status/?m=<row id>``: record a delivery status, forward only."""
    if not twilio_signature_valid(request):
        return HttpResponseForbidden("invalid signature")
    params = _params(request)
    status = (params.get("MessageStatus") or params.get("SmsStatus") or "").lower()
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    if not status or not sid:
        return HttpResponseBadRequest("MessageStatus and MessageSid required")
    delivery_status_record(
        message_id=request.GET.get("m"),
        provider_id=sid,
        provider_status=status,
        error_code=params.get("ErrorCode", ""),
    )
    return HttpResponse(status=200)


# --------------------------------------------------------------------------- status callbacks

# Twilio's statuses in the order a message goes through them. A callback only ever moves a row to
# a later rank: callbacks arrive out of order ("sent" after "delivered") and are retried.
PROVIDER_RANK = {
    "": 0,
    "twiml": 0,
    "accepted": 1,
    "scheduled": 1,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
_OUR_STATUS = {
    "accepted": OutboundStatus.SENT,
    "scheduled": OutboundStatus.SENT,
    "queued": OutboundStatus.SENT,
    "sending": OutboundStatus.SENT,
    "sent": OutboundStatus.SENT,
    "delivered": OutboundStatus.DELIVERED,
    "read": OutboundStatus.DELIVERED,
    "undelivered": OutboundStatus.UNDELIVERED,
    "failed": OutboundStatus.FAILED,
    "canceled": OutboundStatus.CANCELLED,
}
_FAILED = {OutboundStatus.UNDELIVERED, OutboundStatus.FAILED}


def _find_row(message_id: str | None, provider_id: str) -> OutboundMessage | None:
    if message_id and message_id.isdigit():
        row = OutboundMessage.objects.filter(pk=int(message_id)).first()
        # The id in the URL is ours; the sid must agree once we know it (or the row is unknown).
        if row is not None and row.provider_id in (None, "", provider_id):
            return row
    return OutboundMessage.objects.filter(provider_id=provider_id).first()


def delivery_status_record(
    *,
    message_id: str | None,
    provider_id: str,
    provider_status: str,
    error_code: str = "",
    now: dt.datetime | None = None,
) -> str:
    """Apply one status callback. Returns the row's status after it ("ignored" when nothing moved)."""
    now = now or timezone.now()
    new_rank = PROVIDER_RANK.get(provider_status)
    if new_rank is None:
        logger.info("status callback: unknown status %r for %s", provider_status, provider_id)
        return "ignored"
    row = _find_row(message_id, provider_id)
    if row is None:
        logger.info("status callback for unknown message %s", provider_id)
        return "ignored"
    earlier = [name for name, rank in PROVIDER_RANK.items() if rank < new_rank]
    status = _OUR_STATUS[provider_status]
    fields: dict = {"status": status, "provider_status": provider_status}
    if not row.provider_id:
        fields["provider_id"] = provider_id  # settles a send whose outcome we did not know
    if status in (OutboundStatus.SENT, OutboundStatus.DELIVERED) and row.sent_at is None:
        fields["sent_at"] = now
    if status == OutboundStatus.DELIVERED:
        fields["delivered_at"] = now
    if error_code:
        fields["error_code"] = error_code[:20]
        fields["last_error"] = f"Twilio {provider_status} ({error_code})"
    with transaction.atomic():
        # The condition is the guard: concurrent or late callbacks can never move a row backwards.
        moved = (
            OutboundMessage.objects.filter(pk=row.pk, provider_status__in=earlier)
            .exclude(status=OutboundStatus.CANCELLED)
            .update(**fields)
        )
        if not moved:
            return "ignored"
        row.refresh_from_db()
        if status in _FAILED:
            outbound_failed.send(
                sender=OutboundMessage,
                message=row,
                permanent=error_code in PERMANENT_CODES,
                reason=failure_reason(error_code),
            )
    return row.status
