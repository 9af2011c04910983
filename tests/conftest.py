from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.env import redis_url_next_database
from notifications.backends import memory
from patients.models import Role

from .factories import ClinicFactory, MembershipFactory, UserFactory


def pytest_collection_modifyitems(config, items) -> None:
    """On SQLite (scripts/run_tests.py's second run) skip what only PostgreSQL has."""
    if not os.environ.get("DATABASE_URL", "").startswith("sqlite"):
        return
    skip = pytest.mark.skip(reason="PostgreSQL only (advisory lock, SKIP LOCKED or EXPLAIN)")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _reset_memory_sms():
    memory.reset()
    yield
    memory.reset()


@pytest.fixture
def sms_outbox() -> list[dict]:
    return memory.outbox


@pytest.fixture
def clinic(db):
    return ClinicFactory(slug="spine-austin", name="Austin Spine", time_zone="America/Chicago")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(slug="spine-boston", name="Boston Spine", time_zone="America/New_York")


@pytest.fixture
def alice(clinic):
    """A triage nurse of the clinic."""
    return MembershipFactory(
        user=UserFactory(username="alice"), clinic=clinic, role=Role.TRIAGE_NURSE
    ).user


@pytest.fixture
def bob(clinic):
    """A physician of the clinic."""
    return MembershipFactory(
        user=UserFactory(username="bob"), clinic=clinic, role=Role.PHYSICIAN
    ).user


@pytest.fixture
def charlie(other_clinic):
    """A triage nurse of another clinic."""
    return MembershipFactory(
        user=UserFactory(username="charlie"), clinic=other_clinic, role=Role.TRIAGE_NURSE
    ).user


@pytest.fixture
def dora(other_clinic):
    """A physician of another clinic."""
    return MembershipFactory(
        user=UserFactory(username="dora"), clinic=other_clinic, role=Role.PHYSICIAN
    ).user


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(alice):
    return token_client(alice)


def drain_outbox() -> list[str]:
    """Do what a worker does for every due pending row; return the resulting statuses."""
    from django.utils import timezone

    from notifications.models import OutboundMessage, OutboundStatus
    from notifications.outbox import outbox_send

    ids = OutboundMessage.objects.filter(
        status=OutboundStatus.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return [outbox_send(message_id=pk) for pk in list(ids)]


@pytest.fixture
def drain():
    return drain_outbox


@pytest.fixture
def fake_twilio(settings):
    """A local fake Twilio; the Twilio backend (real SDK) is pointed at it for the test."""
    from notifications.backends import sms_backend_reset
    from tests.fakes.fake_twilio import FakeTwilio

    fake = FakeTwilio(
        account_sid=settings.TWILIO_ACCOUNT_SID, auth_token=settings.TWILIO_AUTH_TOKEN
    )
    settings.TWILIO_API_URL = fake.start()
    settings.SMS_BACKEND = "notifications.backends.twilio.TwilioBackend"
    settings.TWILIO_TIMEOUT_SECONDS = 1.0
    sms_backend_reset()
    try:
        yield fake
    finally:
        fake.stop()
        sms_backend_reset()


@pytest.fixture
def shared_cache(settings):
    """The production arrangement: Redis, in the database after the broker's. A worker process
    gets the same cache from config.settings.test when TEST_CACHE_URL is this LOCATION."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url_next_database(settings.REDIS_URL),
            "KEY_PREFIX": "followup-test",
        }
    }
    cache.clear()
    yield settings.CACHES["default"]["LOCATION"]
    cache.clear()
