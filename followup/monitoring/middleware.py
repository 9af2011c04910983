"""Webhook latency for /metrics. Listed in ``WEBHOOK_MIDDLEWARE`` (first), so it times the
webhooks' whole stack without touching the webhook views (notifications/webhooks.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .metrics import WEBHOOK_LATENCY


class WebhookLatencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        # The path without its query (the status callback's ?m=<row id>): few label values.
        path = request.path if request.path.startswith("/webhooks/twilio/") else "other"
        WEBHOOK_LATENCY.labels(path=path[:40]).observe(time.perf_counter() - started)
        return response
