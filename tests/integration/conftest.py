"""Fixtures for integration tests: a fake Twilio server and a real Celery worker process.

The worker runs ``config.settings.test`` against the *test* database (the tests use
``transactional_db`` so their writes are committed and visible to it), the Redis that
``scripts/run_tests.py`` started, and the real Twilio backend pointed at the fake.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.fakes.fake_twilio import FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_SECONDS = 60


def worker_database_url() -> str:
    """A DATABASE_URL for the test database pytest-django created (same host, port and user)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """A FakeTwilio that accepts the test settings' account sid and auth token."""
    with FakeTwilio(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN) as fake:
        yield fake


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process = process
        self.log = log

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-tail:]


def _purge_queue() -> None:
    # Unit tests that ran earlier in the session may have queued sends for rows long gone; a worker
    # would only log "not-claimed" for them, but a clean queue keeps this test's log readable.
    from config.celery import app

    try:
        app.control.purge()
    except Exception as exc:  # noqa: BLE001 - a broker problem shows up as a worker that never starts
        print(f"could not purge the Celery queue: {exc!r}")


@pytest.fixture
def worker_queues() -> str:
    """The queues the worker consumes (``-Q``); a module overrides this to leave some unserved."""
    return ",".join(settings.CELERY_TASK_QUEUES)


@pytest.fixture
def celery_worker(transactional_db, fake_twilio, worker_queues) -> Iterator[Worker]:
    """A real ``celery -A config worker`` process on the test database, sending SMS to ``fake_twilio``."""
    _purge_queue()
    log = Path(tempfile.mkdtemp(prefix="celery-worker-")) / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": os.environ.get("REDIS_URL", settings.REDIS_URL),
        "SMS_BACKEND": "notifications.backends.twilio.TwilioBackend",
        "TWILIO_API_URL": fake_twilio.url,
        "TWILIO_TIMEOUT_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-P",
        "solo",
        "-l",
        "INFO",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "-n",
        f"it-{os.getpid()}@%h",
        "-Q",
        worker_queues,
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    worker = Worker(process, log)
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while "ready." not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not start:\n{worker.output()}")
            time.sleep(0.2)
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
