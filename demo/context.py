"""The demo clock on every page: its offset for the pages' script, its time for the header."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from followup import clock


def demo_clock(request: HttpRequest) -> dict:
    """``demo_clock`` (demo only): the time the product lives at, and its offset from real time.

    Pages compute ages in the browser ("waiting 5 min"); the browser's clock is real time, so the
    script adds the offset and every age and countdown on a page is on the demo's clock.
    """
    if not getattr(settings, "DEMO_MODE", False):
        return {}
    offset = clock.offset()
    return {
        "demo_clock": {
            "now": clock.now(),
            "offset_ms": int(offset.total_seconds() * 1000),
            "shifted": offset.total_seconds() > 0,
        }
    }
