"""The one error a write-back channel raises: temporary (retried with backoff) or permanent."""

from __future__ import annotations


class DeliveryError(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
