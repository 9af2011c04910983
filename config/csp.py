"""Content-Security-Policy for the staff pages (issue 20.8).

Scripts and styles come only from this site's static files: an injected ``<script>`` or
``onclick=`` in a patient's free text would not run even if an escaping bug let it through.
An inline ``<script>`` or ``<style>`` block a template really needs carries
``nonce="{{ request.csp_nonce }}"`` (a fresh one per request). Style attributes are not allowed:
templates use the ``u-*`` classes of triage.css instead.

The patient web form under ``/f/`` keeps its own inline script and styles and is left out (it is
another page family with its own headers); Twilio's webhooks never pass through this stack.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def csp_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every HTML response of the staff site."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.exempt = tuple(getattr(settings, "CSP_EXEMPT_PATH_PREFIXES", ("/f/",)))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        # DEBUG's technical error pages are built from inline styles and scripts: a developer's
        # traceback must not render blank. Production (DEBUG off) gets the policy on every page.
        debug_error = settings.DEBUG and response.status_code >= 400
        if (
            HEADER not in response
            and not debug_error
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(self.exempt)
        ):
            response[HEADER] = csp_policy(request.csp_nonce)
        return response
