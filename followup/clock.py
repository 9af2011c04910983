"""The application's clock: real time, or in the demo the real time plus an offset a visitor advanced.

Only the demo can move it ("advance 2 weeks" to watch checks open and windows close). The offset lives
in a small file beside the demo database so web, worker and beat processes share it without a migration.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import sys
import types
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def _offset_file() -> Path:
    # DEMO_CLOCK_FILE: a demo started elsewhere (a test's subprocess) keeps its own clock.
    override = os.environ.get("DEMO_CLOCK_FILE")
    return Path(override) if override else Path(settings.BASE_DIR) / "var" / "demo-clock.json"


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


def real_now() -> dt.datetime:
    """Wall-clock time, whatever the demo clock says (sign-in, sessions, lockouts use it)."""
    return _real_now()


class _RealTimezone(types.ModuleType):
    """``django.utils.timezone`` as seen by the security code: every name, with the real ``now``."""

    def __getattr__(self, name: str):
        return getattr(timezone, name)


_REAL_TIMEZONE = _RealTimezone("django.utils.timezone (real time)")
_REAL_TIMEZONE.now = _real_now  # type: ignore[attr-defined]

# Signed-in sessions, two-factor devices and login lockouts keep real time: a staff user who
# advances the demo clock by 3 months must not be signed out by their own session's expiry date
# (issue 18). Every module of these packages that uses ``timezone.now`` gets the real one.
_REAL_TIME_PACKAGES = ("django.contrib.sessions", "django_otp", "axes")
_REAL_TIME_MODULES = (
    "django.contrib.sessions.backends.base",
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.file",
    "django.contrib.sessions.base_session",
    "django_otp.models",
    "django_otp.plugins.otp_totp.models",
    "axes.handlers.database",
    "axes.attempts",
    "axes.helpers",
)


def _security_keeps_real_time() -> None:
    for name in (*_REAL_TIME_MODULES, getattr(settings, "SESSION_ENGINE", "")):
        try:
            importlib.import_module(name)
        except ImportError:
            continue
    for name, module in list(sys.modules.items()):
        if not name.startswith(_REAL_TIME_PACKAGES):
            continue
        if getattr(module, "timezone", None) is timezone:
            module.timezone = _REAL_TIMEZONE
        if getattr(module, "now", None) is now:  # ``from django.utils.timezone import now``
            module.now = _real_now


def _on_demo_clock(function):
    """``timesince``/``timeuntil`` read ``datetime.now()``, not ``timezone.now()``: give them the
    demo's now, so "waiting 5 min" and "next page in 3 days" are on the same clock."""

    def wrapped(d, now=None, *args, **kwargs):
        if now is None and isinstance(d, dt.datetime) and timezone.is_aware(d):
            now = globals()["now"]()
        return function(d, now, *args, **kwargs)

    wrapped.__wrapped__ = function  # type: ignore[attr-defined]
    return wrapped


def install() -> None:
    """Demo only: make the whole application (sweeps, webhooks, timestamps) live on the demo clock.

    Replacing ``django.utils.timezone.now`` is deliberately blunt: every "now" in the product then
    agrees, so a check opened "two weeks later" is answered, reminded and closed in the same time line.
    Sessions, two-factor and lockouts are the exception: they stay on real time. Never done outside
    DEMO_MODE.
    """
    if not getattr(settings, "DEMO_MODE", False) or timezone.now is now:
        return
    from django.template import defaultfilters

    timezone.now = now
    _security_keeps_real_time()
    defaultfilters.timesince = _on_demo_clock(defaultfilters.timesince)
    defaultfilters.timeuntil = _on_demo_clock(defaultfilters.timeuntil)


def uninstall() -> None:
    """Undo :func:`install` (tests install the demo clock for one test and take it away)."""
    from django.template import defaultfilters

    timezone.now = _real_now
    for name in ("timesince", "timeuntil"):
        original = getattr(getattr(defaultfilters, name), "__wrapped__", None)
        if original is not None:
            setattr(defaultfilters, name, original)
    for module in list(sys.modules.values()):
        if getattr(module, "timezone", None) is _REAL_TIMEZONE:
            module.timezone = timezone


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
