from __future__ import annotations

from collections.abc import Collection


class DeliveryError(Exception):
    """A send that did not succeed.

    ``permanent``: retrying cannot help (invalid number, recipient opted out) — never retried.
    ``ambiguous``: the request may have reached the provider (timeout after sending): the message
    must not be resent until its fate is known, because SMS APIs have no idempotency key.
    ``reason``: what the failure says about the recipient (``notifications.signals.FAILURE_*``),
    mapped from the provider's codes by its backend.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        ambiguous: bool = False,
        code: str = "",
        retry_after: float | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.ambiguous = ambiguous
        self.code = code
        self.retry_after = retry_after
        self.reason = reason


class SmsBackend:
    """One class per provider; ``send`` returns the provider's message id or raises DeliveryError."""

    name = "base"

    def send(
        self, *, to: str, body: str, status_callback: str | None = None, sender: str = ""
    ) -> str:
        """``sender``: an E.164 number or a messaging service SID ("MG..."); "" for the default."""
        raise NotImplementedError

    def find_sent(self, *, to: str, body: str, since, exclude: Collection[str] = ()) -> str | None:
        """Return the provider id of a message already accepted for ``to`` with ``body`` since
        ``since``, or None. Ids in ``exclude`` belong to other rows and never match. Used to
        reconcile ambiguous sends before any resend."""
        return None
