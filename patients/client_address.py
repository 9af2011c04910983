"""The client's address behind the configured number of trusted proxies (audit and sign-in throttling).

A module of its own so the audit log and the sign-in throttle both read it without importing
each other."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the socket's, or with ``TRUSTED_PROXY_HOPS`` proxies in front, the
    address the outermost trusted proxy saw (counted from the right of X-Forwarded-For, because
    everything to its left is whatever the client chose to send)."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    candidate = request.META.get("REMOTE_ADDR")
    if hops > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None
