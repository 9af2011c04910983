"""Per-sender SMS rate limits, shared by every worker process through Redis.

Twilio sends 1 message a second from a long code (more from a short code or a messaging
service's pool) and queues whatever arrives faster, in order. A clinician's page that lands behind
a thousand check openings in that queue waits a quarter of an hour. So workers pace the sends
themselves, per sender, and keep part of the allowance for the messages that cannot wait.

The limiter is GCRA (a token bucket kept as one timestamp, "theoretical arrival time") in one Lua
script, so concurrent workers never overspend and Redis's own clock is the only clock. Over any
interval ``t`` a sender sends at most ``burst + rate * t`` messages. Unsolicited messages (check
openings, reminders: the bulk) may only use the bucket down to ``reserve`` tokens; everything else
(pages, safety texts, replies to a patient who is texting) may use all of it, so it goes first.

If Redis cannot be reached the limiter lets the send through and logs it: the provider would
queue an excess, but a page held back by a broken limiter could cost a patient.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# KEYS[1]: the sender's key. ARGV: interval (ms between tokens), tolerance (ms of burst this
# class may use), now (ms; "" = Redis's clock). Returns 0 when the send may go now, else the ms
# to wait. Nothing is consumed on a refusal.
_GCRA = """
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval - tolerance
if now < allow_at then
  return allow_at - now
end
local new_tat = tat + interval
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1000)
return 0
"""


@dataclass(frozen=True)
class RateLimit:
    """``rate`` messages a second, bursts of ``burst``, of which ``reserve`` are kept for
    messages that must not wait behind the bulk."""

    rate: float
    burst: int
    reserve: int

    def __post_init__(self) -> None:
        if not self.rate > 0 or math.isinf(self.rate):
            raise ValueError(f"rate must be a positive number of messages a second: {self.rate!r}")
        if self.burst < 1:
            raise ValueError(f"burst must be at least 1: {self.burst!r}")
        if not 0 <= self.reserve < self.burst:
            raise ValueError(f"reserve must be at least 0 and below the burst: {self.reserve!r}")

    @property
    def interval_ms(self) -> float:
        return 1000.0 / self.rate

    def tolerance_ms(self, *, urgent: bool) -> float:
        tokens = self.burst if urgent else self.burst - self.reserve
        return tokens * self.interval_ms


class SenderRateLimiter:
    """Tokens for one limit, per sender key, in Redis."""

    def __init__(self, limit: RateLimit, client: redis.Redis, *, prefix: str = "sms-rate:") -> None:
        self.limit = limit
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_GCRA)

    def try_acquire(self, sender: str, *, urgent: bool, now_ms: float | None = None) -> float:
        """Take a token for ``sender`` if one is free: 0.0, else the seconds until one would be.

        Fails open (0.0) when Redis cannot be reached; see the module docstring."""
        try:
            wait_ms = self._script(
                keys=[self.prefix + sender],
                args=[
                    self.limit.interval_ms,
                    self.limit.tolerance_ms(urgent=urgent),
                    "" if now_ms is None else now_ms,
                ],
            )
        except redis.RedisError as exc:
            logger.warning("sms rate limit: Redis unavailable (%s); sending unpaced", exc)
            return 0.0
        return float(wait_ms) / 1000.0

    def acquire(
        self,
        sender: str,
        *,
        urgent: bool,
        max_wait: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> float:
        """Wait up to ``max_wait`` seconds for a token: 0.0 once taken, else the seconds it would
        still take (the caller puts the message back and tries again that much later)."""
        waited = 0.0
        while True:
            wait = self.try_acquire(sender, urgent=urgent)
            if wait <= 0:
                return 0.0
            if waited + wait > max_wait:
                return wait
            sleep(wait)
            waited += wait


_clients: dict[str, redis.Redis] = {}
_limiters: dict[tuple[RateLimit, str], SenderRateLimiter] = {}


def _client(url: str) -> redis.Redis:
    # redis-py's pool notices a fork and reconnects, so one client per URL per process is safe.
    if url not in _clients:
        _clients[url] = redis.Redis.from_url(
            url,
            socket_timeout=settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("socket_timeout", 2.0),
            socket_connect_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
        )
    return _clients[url]


def configured_limit() -> RateLimit | None:
    """The limit from settings; None when ``SMS_RATE_LIMIT_PER_SECOND`` is 0 (no pacing)."""
    rate = float(settings.SMS_RATE_LIMIT_PER_SECOND)
    if rate <= 0:
        return None
    burst = int(settings.SMS_RATE_LIMIT_BURST) or max(2, math.ceil(rate))
    reserve = min(int(settings.SMS_RATE_LIMIT_RESERVE), burst - 1)
    return RateLimit(rate=rate, burst=burst, reserve=reserve)


def sms_sender_key() -> str:
    """One bucket per sending identity: the messaging service, else the From number."""
    return settings.TWILIO_MESSAGING_SERVICE_SID or settings.TWILIO_FROM_NUMBER or "default"


def sms_send_wait(*, urgent: bool, paced: bool) -> float:
    """Block until this worker may send one SMS (0.0), or return how long it would still take.

    ``paced`` is False for backends that talk to no provider (memory, simulator)."""
    limit = configured_limit() if paced else None
    if limit is None:
        return 0.0
    key = (limit, settings.REDIS_URL)
    if key not in _limiters:
        _limiters[key] = SenderRateLimiter(limit, _client(settings.REDIS_URL))
    return _limiters[key].acquire(
        sms_sender_key(), urgent=urgent, max_wait=float(settings.SMS_RATE_LIMIT_MAX_WAIT_SECONDS)
    )
