"""What a readiness probe costs, against a trivial view measured in the same run.

Runs in-process through Django's full staff middleware (the health endpoints are not under
/webhooks/), against the test database with a realistic backlog: a heartbeat, outbox rows in every
status and unprocessed texts. Called by tests/followup/monitoring/test_health_cost.py, which
prints the figures (``-s``) and keeps them within bounds; docs/operations.md quotes a run.
"""

from __future__ import annotations

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _timed(client: Client, path: str, n: int) -> dict:
    client.get(path)  # warm: imports, connection, template/URL caches
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path).status_code
    times.sort()
    return {
        "path": path,
        "status": status,
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 3),
        "queries": len(captured.captured_queries),
    }


def measure(*, n: int = 200) -> dict:
    """p50/p95 of /health/live, /health/ready and the trivial view (bench.urls)."""
    client = Client()
    return {
        "trivial": _timed(client, "/bench/noop/", n),
        "live": _timed(client, "/health/live", n),
        "ready": _timed(client, "/health/ready", n),
    }
