"""API throttling per token (issue 20.8): one integration's runaway loop cannot starve another's."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)


class TokenRateThrottle(SimpleRateThrottle):
    """``API_THROTTLE_RATE`` requests per token (a signed-in staff session counts per user).

    Anonymous requests are refused by IsAuthenticated anyway and not counted here. A cache that
    cannot be reached lets the request through: enrolling a patient matters more than counting.
    """

    scope = "token"

    def get_rate(self) -> str | None:
        rate = (getattr(settings, "API_THROTTLE_RATE", "") or "").strip()
        return None if rate.lower() in ("", "off", "0") else rate

    def get_cache_key(self, request, view) -> str | None:
        key = getattr(request.auth, "key", None)
        if key:
            # The key is a credential: only a digest of it goes into the cache.
            ident = "t:" + hashlib.sha256(key.encode()).hexdigest()[:32]
        elif request.user and request.user.is_authenticated:
            ident = f"u:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # noqa: BLE001 - a dead Redis must not take the API down with it
            logger.warning("API throttle cache unavailable; request let through")
            return True
