"""One run of the beat's sweep, recorded: its heartbeat row, the outside ping, and the alert checks
that follow a completed sweep. A module of its own because it joins the heartbeat and the alerts,
which read the heartbeat (so the heartbeat cannot import them)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .alerts import alerts_after_sweep
from .heartbeat import SWEEP, heartbeat_ping, heartbeat_record, wall_now

logger = logging.getLogger(__name__)


def sweep_run_recorded(sweep: Callable[[], dict], *, name: str = SWEEP) -> dict:
    """Run ``sweep`` and record its heartbeat, whatever happens; the sweep's result (or exception)
    passes through unchanged. A sweep skipped because another holds the lock records nothing."""
    started = wall_now()
    t0 = time.monotonic()
    try:
        summary = sweep()
    except Exception as exc:
        # The type and, for SweepIncomplete, the failed steps' names: never a row's contents.
        error = type(exc).__name__
        if type(exc).__name__ == "SweepIncomplete":
            error = f"{error}: {exc}"
        _record(name, started=started, elapsed=time.monotonic() - t0, ok=False, error=error)
        raise
    if isinstance(summary, dict) and summary.get("skipped"):
        return summary
    _record(name, started=started, elapsed=time.monotonic() - t0, ok=True, summary=summary)
    return summary


def _record(
    name: str,
    *,
    started,
    elapsed: float,
    ok: bool,
    summary: dict | None = None,
    error: str = "",
) -> None:
    try:
        heartbeat_record(
            name=name, started=started, elapsed=elapsed, ok=ok, summary=summary, error=error
        )
    except Exception:  # noqa: BLE001 - the heartbeat must never fail the sweep it reports on
        logger.exception("sweep heartbeat could not be recorded")
    heartbeat_ping(ok=ok)
    if ok:
        # The sweep is back: its late-alert (if any) ends, and the next lateness is a new incident.
        try:
            alerts_after_sweep()
        except Exception:  # noqa: BLE001 - as above
            logger.exception("alert checks after the sweep failed")
