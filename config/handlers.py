"""The WSGI application: Twilio's webhooks go through a middleware stack of their own.

Twilio's requests carry no cookie, no session and no user: they are signed instead (DESIGN rule
3). The staff middleware (sessions, sign-in, two-factor, idle timeout, messages, login lockout,
API audit) has nothing to do for them, yet it cost a third of a trivial view's CPU on each one,
and it made the patients' replies and the delivery callbacks depend on machinery that only staff
pages need: a broken session store or a staff middleware bug would have refused red-flag texts.
``WEBHOOK_MIDDLEWARE`` keeps what applies to any request (HTTPS redirect and security headers,
host validation, URL normalisation).

Only the WSGI entry point dispatches this way. Django's test client builds its own handler from
``MIDDLEWARE``, so tests of the stack itself call ``application`` (tests/config/test_wsgi.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler


class WebhookHandler(WSGIHandler):
    """Django's WSGI handler with ``settings.WEBHOOK_MIDDLEWARE`` in place of ``MIDDLEWARE``."""

    def load_middleware(self, is_async: bool = False) -> None:
        # Django builds a chain from settings.MIDDLEWARE and nothing else, so the webhook list
        # stands in for it while this handler's chain is built: once, when the process starts,
        # before it serves any request.
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = list(settings.WEBHOOK_MIDDLEWARE)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class WebhookDispatcher:
    """Sends paths under ``settings.WEBHOOK_PATH_PREFIX`` to ``webhooks``, the rest to ``site``."""

    def __init__(self, site: Callable, webhooks: Callable, prefix: str) -> None:
        self.site = site
        self.webhooks = webhooks
        self.prefix = prefix

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.webhooks(environ, start_response)
        return self.site(environ, start_response)


def wsgi_application() -> WebhookDispatcher:
    """The site's WSGI application (``django.setup()`` must have run)."""
    return WebhookDispatcher(WSGIHandler(), WebhookHandler(), settings.WEBHOOK_PATH_PREFIX)
