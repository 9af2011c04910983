"""The MLLP listener: python-hl7's asyncio MLLP server in front of ``hl7_receive``.

One message at a time per process (a single worker thread does the database work), so a cancel
sent right after its booking is never processed before it; the event loop only frames bytes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections
from hl7.mllp import start_hl7_server

from .feed import hl7_receive

logger = logging.getLogger(__name__)


def _handle(raw: bytes) -> bytes:
    encoding = getattr(settings, "HL7_ENCODING", "utf-8")
    close_old_connections()
    try:
        return hl7_receive(raw=raw.decode(encoding, errors="replace")).encode(encoding)
    finally:
        close_old_connections()


async def serve(
    *, host: str, port: int, ready: threading.Event | None = None, stop: asyncio.Event | None = None
) -> None:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hl7")
    loop = asyncio.get_running_loop()

    async def connected(reader, writer) -> None:
        try:
            while not reader.at_eof():
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break
                ack = await loop.run_in_executor(executor, _handle, block)
                writer.writeblock(ack)
                await writer.drain()
        except Exception:  # noqa: BLE001 - one broken connection must not stop the listener
            logger.exception("hl7 connection failed")
        finally:
            writer.close()

    server = await start_hl7_server(connected, host=host, port=port)
    bound = server.sockets[0].getsockname()[1]
    serve.port = bound  # read by tests that asked for port 0
    logger.info("hl7 listener on %s:%s", host, bound)
    if ready is not None:
        ready.set()
    async with server:
        if stop is None:
            await server.serve_forever()
        else:
            await stop.wait()
    # The worker thread's database connection goes with it (a stopped listener holds no session).
    await loop.run_in_executor(executor, connections.close_all)
    executor.shutdown(wait=True)
