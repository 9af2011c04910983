"""The sweep's heartbeat: every run of the beat's sweep records when it ran, how long it took and
what it did; an optional outside URL (healthchecks-style dead-man's switch) is pinged after it."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.request

from django.conf import settings
from django.db.models import F

from .models import SweepHeartbeat

logger = logging.getLogger(__name__)

SWEEP = "dispatch"


def wall_now() -> dt.datetime:
    """Real time. The demo clock (followup/clock.py) patches ``timezone.now`` forward by days;
    whether the beat is alive is a fact about real time, on both sides of the comparison."""
    return dt.datetime.now(dt.UTC)


def heartbeat_record(
    *,
    name: str = SWEEP,
    started,
    elapsed: float,
    ok: bool,
    summary: dict | None = None,
    error: str = "",
) -> None:
    """Upsert the job's heartbeat row (one UPDATE; an INSERT the first time)."""
    now = wall_now()
    values = {
        "last_started_at": started,
        "last_finished_at": now,
        "duration_seconds": round(elapsed, 4),
        "ok": ok,
        "error": error[:200],
        "runs": F("runs") + 1,
    }
    if ok:
        values["completed_at"] = now
        values["summary"] = _plain(summary or {})
    else:
        values["failures"] = F("failures") + 1
    if not SweepHeartbeat.objects.filter(name=name).update(**values):
        SweepHeartbeat.objects.get_or_create(name=name)
        SweepHeartbeat.objects.filter(name=name).update(**values)


def _plain(summary: dict) -> dict:
    return {str(k): v for k, v in summary.items() if isinstance(v, int | float | str | bool)}


def heartbeat_last(*, name: str = SWEEP) -> SweepHeartbeat | None:
    return SweepHeartbeat.objects.filter(name=name).first()


def heartbeat_ping(*, ok: bool) -> threading.Thread | None:
    """GET ``SWEEP_HEARTBEAT_URL`` (``/fail`` appended after a failed sweep, as healthchecks
    expects) on a daemon thread with a short timeout: it never delays or fails the sweep."""
    url = settings.SWEEP_HEARTBEAT_URL
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        logger.error("SWEEP_HEARTBEAT_URL must be an http(s) URL; not pinged")
        return None
    target = url if ok else f"{url.rstrip('/')}/fail"
    thread = threading.Thread(target=_ping, args=(target,), name="sweep-heartbeat", daemon=True)
    thread.start()
    return thread


def _ping(url: str) -> None:
    try:
        timeout = settings.SWEEP_HEARTBEAT_TIMEOUT_SECONDS
        # http(s) only: checked in heartbeat_ping before this thread starts.
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            response.read(64)
    except Exception as exc:  # noqa: BLE001 - an unreachable monitor is logged, never raised
        logger.warning("sweep heartbeat ping failed (%s)", type(exc).__name__)
