"""Test settings: PostgreSQL and Redis come from the environment that `make test` prepares."""

import os

from .base import *  # noqa: F403

_url = os.environ.get("DATABASE_URL", "")
# SQLite is the demo's embedded default: scripts/run_tests.py runs the sweep, the conversation
# and the red-flag path (the ``sqlite`` marker) on it too, with DATABASE_URL=sqlite://...
if not (_url.startswith("postgres") or _url.startswith("sqlite")):
    raise RuntimeError(
        "The test suite runs against PostgreSQL: use `make test`, which starts one, "
        "or set DATABASE_URL=postgres://... (sqlite://... for the tests marked sqlite)"
    )

# Unit tests use the in-memory backend; an integration test's Celery worker sets SMS_BACKEND to the
# real Twilio backend (pointed at a local fake through TWILIO_API_URL).
SMS_BACKEND = os.environ.get("SMS_BACKEND", "notifications.backends.memory.MemoryBackend")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PUBLIC_BASE_URL = "https://followup.test"
TWILIO_ACCOUNT_SID = "AC" + "0" * 32
TWILIO_AUTH_TOKEN = "test-auth-token"
TWILIO_FROM_NUMBER = "+15005550006"
DEMO_MODE = False
# Tests send bursts through the fake Twilio; pacing them at a long code's 1/s would only slow the
# suite down. tests/notifications/test_ratelimit.py turns it on where it is the subject.
SMS_RATE_LIMIT_PER_SECOND = float(os.environ.get("SMS_RATE_LIMIT_PER_SECOND") or 0)
# Tests change the data between two views of the dashboard; a cached figure would be stale.
OUTCOMES_CACHE_SECONDS = 0
# Each test process keeps its own; tests/followup/test_outcomes_cache.py uses Redis where the
# sharing is the subject.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("TEST_CACHE_URL"):
    # A Celery worker sharing the test process's cache: the shared_cache fixture (tests/conftest.py).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["TEST_CACHE_URL"],
            "KEY_PREFIX": "followup-test",
        }
    }
