"""Demo backend: texts go nowhere but the outbox rows themselves, which the phone simulator shows."""

from __future__ import annotations

import uuid

from .base import SmsBackend


class SimulatorBackend(SmsBackend):
    name = "simulator"

    def send(
        self, *, to: str, body: str, status_callback: str | None = None, sender: str = ""
    ) -> str:
        return f"SMsim{uuid.uuid4().hex}"
