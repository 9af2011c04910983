"""In-memory SMS backend for unit tests, like Django's locmem email backend."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Collection

from .base import DeliveryError, SmsBackend

outbox: list[dict] = []
# Tests push DeliveryError instances here to make the next sends fail.
failures: list[DeliveryError] = []
_lock = threading.Lock()
_counter = itertools.count(1)


def reset() -> None:
    with _lock:
        outbox.clear()
        failures.clear()


class MemoryBackend(SmsBackend):
    name = "memory"

    def send(
        self, *, to: str, body: str, status_callback: str | None = None, sender: str = ""
    ) -> str:
        with _lock:
            if failures:
                raise failures.pop(0)
            sid = f"SMmem{next(_counter):027d}"
            outbox.append(
                {
                    "sid": sid,
                    "to": to,
                    "body": body,
                    "status_callback": status_callback,
                    "sender": sender,
                }
            )
            return sid

    def find_sent(self, *, to: str, body: str, since, exclude: Collection[str] = ()) -> str | None:
        with _lock:
            for message in outbox:
                if (
                    message["to"] == to
                    and message["body"] == body
                    and message["sid"] not in exclude
                ):
                    return message["sid"]
        return None
