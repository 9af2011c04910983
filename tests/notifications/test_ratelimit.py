"""Per-sender SMS pacing: a sender never sends faster than its limit, the messages that cannot
wait keep a reserve of the allowance, and a limiter that cannot reach Redis never holds a page."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.conf import settings

from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue, outbox_send
from notifications.ratelimit import RateLimit, SenderRateLimiter, configured_limit


@pytest.fixture
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def limiter(client, *, rate=10.0, burst=3, reserve=1) -> tuple[SenderRateLimiter, str]:
    """A limiter and a sender nobody else uses, so tests never share a bucket."""
    return SenderRateLimiter(RateLimit(rate=rate, burst=burst, reserve=reserve), client), (
        f"test-{uuid.uuid4().hex}"
    )


@pytest.mark.parametrize(
    "rate, burst, reserve",
    [(0, 2, 1), (-1, 2, 1), (float("inf"), 2, 1), (1, 0, 0), (1, 2, 2), (1, 2, -1)],
)
def test_it_refuses_a_limit_that_cannot_work(rate, burst, reserve):
    with pytest.raises(ValueError):
        RateLimit(rate=rate, burst=burst, reserve=reserve)


def test_it_allows_a_burst_then_makes_the_next_message_wait_one_interval(client):
    bucket, sender = limiter(client, rate=10, burst=3, reserve=0)
    granted = [bucket.try_acquire(sender, urgent=True, now_ms=1_000_000) for _ in range(3)]
    assert granted == [0.0, 0.0, 0.0]
    assert bucket.try_acquire(sender, urgent=True, now_ms=1_000_000) == pytest.approx(0.1)
    # A refusal consumes nothing: a tenth of a second later exactly one more goes.
    assert bucket.try_acquire(sender, urgent=True, now_ms=1_000_100) == 0.0
    assert bucket.try_acquire(sender, urgent=True, now_ms=1_000_100) > 0


def test_it_never_sends_more_than_the_burst_plus_the_rate_over_any_interval(client):
    bucket, sender = limiter(client, rate=5, burst=2, reserve=0)
    sent = []
    for step in range(0, 3001, 10):  # someone asks every 10 ms for 3 s
        if bucket.try_acquire(sender, urgent=True, now_ms=2_000_000 + step) == 0.0:
            sent.append(step)
    assert len(sent) == 2 + 5 * 3  # the burst, then 5 a second
    for start in sent:
        in_one_second = [t for t in sent if start <= t < start + 1000]
        assert len(in_one_second) <= 2 + 5


def test_bulk_messages_leave_the_reserve_to_pages(client):
    bucket, sender = limiter(client, rate=1, burst=3, reserve=1)
    now = 3_000_000
    assert [bucket.try_acquire(sender, urgent=False, now_ms=now) for _ in range(2)] == [0.0, 0.0]
    assert bucket.try_acquire(sender, urgent=False, now_ms=now) == pytest.approx(1.0)
    # The check openings have used what they may; a page still goes at once.
    assert bucket.try_acquire(sender, urgent=True, now_ms=now) == 0.0
    assert bucket.try_acquire(sender, urgent=True, now_ms=now) > 0


def test_senders_have_buckets_of_their_own(client):
    bucket, first = limiter(client, rate=1, burst=1, reserve=0)
    second = first + "-other"
    assert bucket.try_acquire(first, urgent=True, now_ms=4_000_000) == 0.0
    assert bucket.try_acquire(first, urgent=True, now_ms=4_000_000) > 0
    assert bucket.try_acquire(second, urgent=True, now_ms=4_000_000) == 0.0


def test_acquire_waits_for_a_token_within_the_limit_and_gives_up_beyond_it(client):
    bucket, sender = limiter(client, rate=20, burst=1, reserve=0)
    assert bucket.acquire(sender, urgent=True, max_wait=0) == 0.0
    slept = []
    assert bucket.acquire(sender, urgent=True, max_wait=0, sleep=slept.append) > 0
    assert slept == []
    assert bucket.acquire(sender, urgent=True, max_wait=1.0) == 0.0  # slept ~50 ms for it


def test_it_lets_the_send_through_when_redis_is_unreachable(caplog):
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    bucket, sender = limiter(dead, rate=1, burst=1, reserve=0)
    assert bucket.try_acquire(sender, urgent=True) == 0.0
    assert bucket.try_acquire(sender, urgent=True) == 0.0
    assert "sending unpaced" in caplog.text


def test_the_limit_comes_from_settings_and_zero_turns_it_off(settings):
    settings.SMS_RATE_LIMIT_PER_SECOND = 0
    assert configured_limit() is None
    settings.SMS_RATE_LIMIT_PER_SECOND = 1
    settings.SMS_RATE_LIMIT_BURST = 0
    settings.SMS_RATE_LIMIT_RESERVE = 1
    assert configured_limit() == RateLimit(rate=1, burst=2, reserve=1)
    settings.SMS_RATE_LIMIT_PER_SECOND = 30
    settings.SMS_RATE_LIMIT_BURST = 5
    assert configured_limit() == RateLimit(rate=30, burst=5, reserve=1)


# --- outbox_send honours it ----------------------------------------------------------------------
def _row(key: str, *, unsolicited: bool, to: str = "+15125550100") -> OutboundMessage:
    return outbox_enqueue(
        key=key,
        channel="sms",
        to=to,
        body="Spine Clinic: time for your check. Reply STOP to opt out.",
        purpose="check_open" if unsolicited else "page",
        unsolicited=unsolicited,
    )


@pytest.fixture
def paced(settings, fake_twilio):
    """Twilio (the fake) from a fresh long code, 1 message/s, burst 2, one kept for pages."""
    settings.TWILIO_FROM_NUMBER = f"+1500555{uuid.uuid4().int % 10000:04d}"
    settings.SMS_RATE_LIMIT_PER_SECOND = 1
    settings.SMS_RATE_LIMIT_BURST = 2
    settings.SMS_RATE_LIMIT_RESERVE = 1
    settings.SMS_RATE_LIMIT_MAX_WAIT_SECONDS = 0
    redis.Redis.from_url(settings.REDIS_URL).delete(f"sms-rate:{settings.TWILIO_FROM_NUMBER}")
    return fake_twilio


@pytest.mark.django_db
def test_a_check_opening_over_the_limit_goes_back_to_the_outbox_unsent(paced):
    first, second = _row("open-1", unsolicited=True), _row("open-2", unsolicited=True)
    assert outbox_send(message_id=first.pk) == OutboundStatus.SENT
    assert outbox_send(message_id=second.pk) == "rate-limited"
    second.refresh_from_db()
    assert second.status == OutboundStatus.PENDING
    assert second.attempts == 0  # pacing is not a failed try
    assert second.sending_started_at is None
    assert second.next_attempt_at > first.created_at
    assert [m["body"] for m in paced.messages] == [first.body]
    # Not due yet: a duplicate task does not get it out early either.
    assert outbox_send(message_id=second.pk) == "not-claimed"


@pytest.mark.django_db
def test_a_page_uses_the_reserve_the_bulk_cannot_touch(paced):
    assert outbox_send(message_id=_row("open-1", unsolicited=True).pk) == OutboundStatus.SENT
    assert outbox_send(message_id=_row("open-2", unsolicited=True).pk) == "rate-limited"
    page = _row("page-1", unsolicited=False, to="+15125550111")
    assert outbox_send(message_id=page.pk) == OutboundStatus.SENT
    assert [m["to"] for m in paced.messages] == ["+15125550100", "+15125550111"]


@pytest.mark.django_db
def test_a_backend_without_a_provider_is_not_paced(settings, sms_outbox):
    settings.SMS_RATE_LIMIT_PER_SECOND = 0.001
    settings.SMS_RATE_LIMIT_MAX_WAIT_SECONDS = 0
    rows = [_row(f"open-{i}", unsolicited=True) for i in range(3)]
    assert [outbox_send(message_id=r.pk) for r in rows] == [OutboundStatus.SENT] * 3
    assert len(sms_outbox) == 3
