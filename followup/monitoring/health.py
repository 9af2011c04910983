"""Readiness: what a load balancer or an outside monitor needs to know, from a few indexed queries.

No PHI: times, ages and thresholds only.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.health import inbound_oldest_unprocessed, outbox_oldest_due_unsent

from .alerts import sweep_state

logger = logging.getLogger(__name__)


def _age(now: dt.datetime, then: dt.datetime | None) -> float | None:
    return None if then is None else round(max((now - then).total_seconds(), 0.0), 1)


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


@functools.cache
def _broker_client(url: str, timeout: float):
    """One client (and its connection pool) per process: a new connection per probe cost
    about 6 ms of the readiness check's 23 (bench/health.py)."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def _check_broker() -> dict:
    try:
        _broker_client(settings.CELERY_BROKER_URL, settings.HEALTH_BROKER_TIMEOUT_SECONDS).ping()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def readiness(*, now: dt.datetime | None = None) -> tuple[bool, dict]:
    """(ready, report). Ready when the database and broker answer and each age is within its
    threshold. With the database down, the row-based checks are reported as unknown."""
    now = now or timezone.now()
    checks: dict[str, dict] = {"database": _check_database(), "broker": _check_broker()}
    if checks["database"]["ok"]:
        try:
            state = sweep_state()  # real time, as the heartbeat records it
            checks["sweep"] = {
                "ok": not state["late"],
                "age_seconds": state["age_seconds"],
                "threshold_seconds": state["threshold_seconds"],
                "last_completed_at": state["completed_at"].isoformat()
                if state["completed_at"]
                else None,
            }
            checks["outbox"] = _threshold(
                _age(now, outbox_oldest_due_unsent(now=now)), settings.HEALTH_OUTBOX_MAX_AGE_SECONDS
            )
            checks["inbound"] = _threshold(
                _age(now, inbound_oldest_unprocessed()), settings.HEALTH_INBOUND_MAX_AGE_SECONDS
            )
        except Exception as exc:  # noqa: BLE001
            logger.warning("readiness: row checks failed (%s)", type(exc).__name__)
            checks["rows"] = {"ok": False, "error": type(exc).__name__}
    ready = all(check["ok"] for check in checks.values())
    return ready, {
        "status": "ok" if ready else "fail",
        "checked_at": now.isoformat(),
        "checks": checks,
    }


def _threshold(age: float | None, limit: float) -> dict:
    return {
        "ok": age is None or age <= limit,
        "oldest_age_seconds": age,
        "threshold_seconds": limit,
    }
