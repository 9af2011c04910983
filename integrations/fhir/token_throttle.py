"""Failed client authentications at ``/fhir/auth/token``, counted per client address.

A client secret is 256 random bits, so guessing is not the risk; the cost is. Every attempt
runs the password hasher (hundreds of milliseconds of CPU by design, and the same work for an
unknown client id), so a loop of bad requests could take the web workers away from clinicians.
Past FHIR_TOKEN_FAILURE_LIMIT failures from one address within FHIR_TOKEN_FAILURE_WINDOW seconds,
the endpoint answers 429 with Retry-After before hashing anything. Good requests are never
counted, so an integrator that authenticates correctly is never slowed by a stranger elsewhere.

The counts live in the cache (Redis in production: shared by every worker). If the cache is
down the throttle steps aside rather than refusing a hospital's correct credentials: the secret
check still runs, and the failure is logged once per request without the address.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

_PREFIX = "fhir-token-failures:"


def _key(ip: str) -> str:
    return _PREFIX + ip


def token_failures_paused(ip: str | None) -> bool:
    """Has this address reached the failure limit within the window? (A limit of 0 turns it off.)"""
    limit = settings.FHIR_TOKEN_FAILURE_LIMIT
    if limit <= 0 or ip is None:
        return False
    try:
        return int(cache.get(_key(ip)) or 0) >= limit
    except Exception:  # noqa: BLE001 - a cache outage must not lock out correct credentials
        logger.warning("fhir token throttle: cache unavailable, not throttling")
        return False


def token_failure_record(ip: str | None) -> None:
    """Count one failed authentication from ``ip`` (a fixed window opened by its first failure)."""
    if ip is None or settings.FHIR_TOKEN_FAILURE_LIMIT <= 0:
        return
    key = _key(ip)
    try:
        if not cache.add(key, 1, timeout=settings.FHIR_TOKEN_FAILURE_WINDOW):
            cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this failure opens a new window.
        cache.add(key, 1, timeout=settings.FHIR_TOKEN_FAILURE_WINDOW)
    except Exception:  # noqa: BLE001 - see token_failures_paused
        logger.warning("fhir token throttle: cache unavailable, failure not counted")
