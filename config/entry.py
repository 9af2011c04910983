"""Every process that starts Django names its settings: there is no default.

Until issue 20, ``manage.py``, ``config.wsgi`` and the Celery app fell back to the local settings,
so a production host that lost DJANGO_SETTINGS_MODULE started with DEBUG on, demo mode on and the
phone simulator open. Now they refuse to start instead; ``make demo`` (scripts/demo.py),
``make test`` (scripts/run_tests.py, pyproject's pytest section), bench/run.py and the test
harnesses all name theirs.
"""

from __future__ import annotations

import os

SETTINGS_VARIABLE = "DJANGO_SETTINGS_MODULE"
MESSAGE = (
    "DJANGO_SETTINGS_MODULE is not set. Name the settings explicitly: "
    "config.settings.production on a server, config.settings.local for development "
    "(`make demo` sets it), config.settings.test for the suite (`make test` sets it)."
)


class SettingsNotNamed(RuntimeError):
    """Raised by an entry point started without DJANGO_SETTINGS_MODULE."""


def require_settings_module() -> str:
    """The settings module the environment names; :class:`SettingsNotNamed` when it names none."""
    name = os.environ.get(SETTINGS_VARIABLE, "").strip()
    if not name:
        raise SettingsNotNamed(MESSAGE)
    return name
