"""How many reminders a check gets and how far apart, from its pinned protocol version.

Read by the reminder sweep and by the conversation (a reply's re-prompt spacing), so it lives
below both of them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Checkpoint

# The limit; protocols ask for up to 3, and the lower number wins.
MAX_REMINDERS = 2
DEFAULT_SPACING_HOURS = 24


def reminder_policy(checkpoint: Checkpoint) -> tuple[int, dt.timedelta]:
    """(how many reminders, spacing) for a check, from its pinned protocol version."""
    spec = {}
    for item in checkpoint.enrollment.protocol.checkpoints:
        if item.get("key") == checkpoint.key:
            spec = item.get("reminders") or {}
            break
    count = min(int(spec.get("max") or 0), MAX_REMINDERS)
    spacing = dt.timedelta(hours=int(spec.get("spacing_hours") or DEFAULT_SPACING_HOURS))
    return count, spacing
