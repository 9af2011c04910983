"""Fixtures for integration tests: a fake Twilio server and a real Celery worker process.

The worker runs ``config.settings.test`` against the *test* database (the tests use
``transactional_db`` so their writes are committed and visible to it), the Redis that
``scripts/run_tests.py`` started, and the real Twilio backend pointed at the fake.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from scripts.processes import Proc
from tests.fakes.fake_twilio import FakeTwilio

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
def celery_worker(transactional_db, fake_twilio, worker_queues) -> Iterator[Proc]:
    """A real ``celery -A config worker`` process on the test database, sending SMS to ``fake_twilio``."""
    _purge_queue()
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
    worker = Proc.spawn("worker", cmd, env, Path(tempfile.mkdtemp(prefix="celery-worker-")))
    try:
        worker.wait_for_output("ready.", timeout=WORKER_START_SECONDS)
        yield worker
    finally:
        worker.stop(timeout=15)
