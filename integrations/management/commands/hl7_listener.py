"""``manage.py hl7_listener``: the HL7v2 MLLP enrollment feed, run like a worker."""

from __future__ import annotations

import asyncio
import contextlib

from django.conf import settings
from django.core.management.base import BaseCommand

from integrations.hl7.listener import serve


class Command(BaseCommand):
    help = "Listen for HL7v2 messages over MLLP (SIU/ORM), enroll, and answer each with an ACK."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=settings.HL7_LISTENER_HOST)
        parser.add_argument("--port", type=int, default=settings.HL7_LISTENER_PORT)

    def handle(self, *args, host: str, port: int, **options) -> None:
        self.stdout.write(f"HL7 MLLP listener on {host}:{port}")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(host=host, port=port))
