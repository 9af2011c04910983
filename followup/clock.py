"""The application's clock: real time, or in the demo the real time plus an offset a visitor advanced.

Only the demo can move it ("advance 2 weeks" to watch checks open and windows close). The offset lives
in a small file beside the demo database so web, worker and beat processes share it without a migration.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def _offset_file() -> Path:
    return Path(settings.BASE_DIR) / "var" / "demo-clock.json"


# Captured before any patching, so the demo clock adds its offset to real time exactly once.
_real_now = timezone.now


def offset() -> dt.timedelta:
    if not getattr(settings, "DEMO_MODE", False):
        return dt.timedelta(0)
    try:
        seconds = json.loads(_offset_file().read_text())["offset_seconds"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return dt.timedelta(0)
    return dt.timedelta(seconds=float(seconds))


def now() -> dt.datetime:
    return _real_now() + offset()


def install() -> None:
    """Demo only: make the whole application (sweeps, webhooks, timestamps) live on the demo clock.

    Replacing ``django.utils.timezone.now`` is deliberately blunt: every "now" in the product then
    agrees, so a check opened "two weeks later" is answered, reminded and closed in the same time line.
    Never done outside DEMO_MODE.
    """
    if getattr(settings, "DEMO_MODE", False):
        timezone.now = now


def advance(by: dt.timedelta) -> dt.datetime:
    """Move the demo clock forward (demo only) and return the new time."""
    if not getattr(settings, "DEMO_MODE", False):
        raise RuntimeError("The clock can only be moved in the demo")
    if by <= dt.timedelta(0):
        raise ValueError("The demo clock only moves forward")
    path = _offset_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    total = offset() + by
    path.write_text(json.dumps({"offset_seconds": total.total_seconds()}))
    return now()


def reset() -> None:
    _offset_file().unlink(missing_ok=True)
