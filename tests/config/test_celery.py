"""The Celery application's process-level hooks, run the way a worker runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SDK_MODULE = "twilio.rest.api.v2010.account.message"
# A fresh interpreter (this one imported the SDK long ago), sending worker_init as a starting
# worker does, with itself as the sender.
WORKER_START = f"""
import json, sys
import config.celery
from celery.signals import worker_init
class Worker:
    app = config.celery.app
worker_init.send(sender=Worker())
print(json.dumps("{SDK_MODULE}" in sys.modules))
"""


def _worker_start(sms_backend: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.test"),
        "SMS_BACKEND": sms_backend,
        "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID or "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN or "token",
        "TWILIO_FROM_NUMBER": settings.TWILIO_FROM_NUMBER or "+15005550006",
    }
    return subprocess.run(
        [sys.executable, "-c", WORKER_START],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_worker_imports_the_sms_sdk_before_its_pool_forks():
    """Otherwise each prefork child imports it (~0.1 s) while its first page waits."""
    done = _worker_start("notifications.backends.twilio.TwilioBackend")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) is True
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr


def test_a_backend_that_cannot_be_imported_does_not_stop_the_worker():
    """Email, escalations and the sweep still need the worker; the first send reports the fault."""
    done = _worker_start("notifications.backends.missing.Backend")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) is False
    assert "SMS backend could not be preloaded" in done.stderr
