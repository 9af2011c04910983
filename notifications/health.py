"""Transport facts for health checks and metrics, read from the outbox and the inbound log.

Plain queries over the rows (no hooks in the send path), each served by an existing partial index
(``outbox_pending_idx``, ``outbox_inflight_idx``, ``inbound_unprocessed_idx``) or bounded by a
recent time window. The domain (``followup.monitoring``) decides what they mean.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Min, Q

from .models import InboundMessage, InboundStatus, OutboundMessage, OutboundStatus

# Twilio answers these when the account or the sender cannot send at all: every message fails
# the same way until a person fixes the account (20003: authentication / suspended account,
# 401/403: credentials refused, 21606/21212/21659/21660: the From number is not ours or not
# valid, 21611: the sender's queue is full, 30002: account suspended).
ACCOUNT_ERROR_CODES = frozenset(
    {"20003", "20005", "401", "403", "21212", "21606", "21659", "21660", "30002"}
)


def outbox_oldest_due_unsent(*, now: dt.datetime) -> dt.datetime | None:
    """When the longest-waiting message became due: pending and due, or claimed and unfinished."""
    pending = OutboundMessage.objects.filter(
        status=OutboundStatus.PENDING, next_attempt_at__lte=now
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    in_flight = OutboundMessage.objects.filter(
        status__in=[OutboundStatus.SENDING, OutboundStatus.UNKNOWN]
    ).aggregate(oldest=Min("sending_started_at"))["oldest"]
    times = [t for t in (pending, in_flight) if t is not None]
    return min(times) if times else None


def inbound_oldest_unprocessed() -> dt.datetime | None:
    """When the oldest stored text that no worker has processed yet arrived (failed ones excluded:
    they are shown to staff, not waiting)."""
    return InboundMessage.objects.filter(
        status__in=[InboundStatus.RECEIVED, InboundStatus.PROCESSING]
    ).aggregate(oldest=Min("received_at"))["oldest"]


def outbox_counts_by_status() -> dict[str, int]:
    """Rows per status. A full count: for metrics scraped every 15-60 s, not for each request."""
    rows = OutboundMessage.objects.order_by().values("status").annotate(n=Count("id"))
    counts = {status: 0 for status in OutboundStatus.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def outbox_oldest_by_status(*, statuses: list[str]) -> dict[str, dt.datetime | None]:
    """The oldest row's creation time for each of the given (unfinished) statuses."""
    rows = (
        OutboundMessage.objects.filter(status__in=statuses)
        .order_by()
        .values("status")
        .annotate(oldest=Min("created_at"))
    )
    found = {row["status"]: row["oldest"] for row in rows}
    return {status: found.get(status) for status in statuses}


def send_failures_by_code(*, since: dt.datetime) -> dict[str, int]:
    """Rows whose last attempt failed since ``since``, by provider error code ("" when none)."""
    rows = (
        OutboundMessage.objects.filter(updated_at__gte=since, attempts__gt=0)
        # error_code, not last_error: a pause for the rate limit writes a reason but is no failure.
        .filter(Q(status=OutboundStatus.FAILED) | ~Q(error_code=""))
        .exclude(status__in=[OutboundStatus.SENT, OutboundStatus.DELIVERED])
        .order_by()
        .values("error_code")
        .annotate(n=Count("id"))
    )
    return {row["error_code"] or "": row["n"] for row in rows}


def sends_succeeded(*, since: dt.datetime) -> int:
    """Messages the provider accepted since ``since``."""
    return OutboundMessage.objects.filter(sent_at__gte=since).count()
