"""Typed access to environment variables that fails loudly on bad values.

A clinic that sets ``DEBUG=ture`` must not silently get a debug server in production, so every
helper raises ``ImproperlyConfigured`` instead of guessing.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    # A blank variable (``FOO=`` in an env file) means "not set", not "set to nothing".
    if value is None or value.strip() == "":
        if default is None:
            raise ImproperlyConfigured(f"Environment variable {name} is required")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def redis_url_next_database(url: str) -> str:
    """``url`` with the database after its own (``redis://h:6379/0`` -> ``redis://h:6379/1``): the
    same server for a second use that must not share a database with the first."""
    parts = urlsplit(url)
    current = parts.path.strip("/")
    if current and not current.isdigit():
        raise ImproperlyConfigured(f"Redis URL database is not a number: {url!r}")
    return urlunsplit(parts._replace(path=f"/{int(current or 0) + 1}"))
