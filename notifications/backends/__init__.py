"""SMS backends, chosen by dotted path in ``SMS_BACKEND`` like Django's ``EMAIL_BACKEND``."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

from .base import DeliveryError, SmsBackend

__all__ = [
    "DeliveryError",
    "SmsBackend",
    "get_sms_backend",
    "sms_backend_preload",
    "sms_backend_reset",
]


@lru_cache(maxsize=4)
def _backend_for(path: str) -> SmsBackend:
    return import_string(path)()


def get_sms_backend() -> SmsBackend:
    return _backend_for(settings.SMS_BACKEND)


def sms_backend_reset() -> None:
    """Forget the backends built so far, so the next send builds one from today's settings.

    Backends are built once per process and kept (a Twilio client holds its HTTP session); a
    change of ``SMS_BACKEND`` or of the provider's settings (tests, a fake provider) needs this."""
    _backend_for.cache_clear()


def sms_backend_preload() -> None:
    """Import the configured backend and its provider's SDK now, without building a client.

    A Celery worker calls this before its pool forks (config.celery): otherwise each child
    imports the SDK on its first send, about 0.1 s, and the first page a fresh worker sends
    waits for it."""
    import_string(settings.SMS_BACKEND)
