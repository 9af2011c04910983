"""A red flag end to end: signed webhook → safety reply → escalation → pages through a real Celery
worker, Redis and the fake Twilio → re-page → ACK by SMS stops the chain.

The worker is a separate process with the production settings and the real Twilio backend pointed
at a FakeTwilio started here; it shares the test database (``transactional_db``: every write here
commits, as in production) and the Redis the suite started. The sweep is driven with explicit
clocks, exactly as ``manage.py dispatch_due --as-of`` would.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from followup.dispatch import dispatch_due
from followup.models import Escalation, OnCallShift, Page, TimelineEvent
from followup.services.enrollments import enrollment_create
from notifications.twilio_signature import twilio_signature
from patients.models import Role
from scripts.processes import Proc
from tests.factories import ClinicFactory, MembershipFactory, UserFactory
from tests.fakes.fake_twilio import FakeTwilio
from tests.survey_helpers import form

pytestmark = [pytest.mark.integration]

WEBHOOK = "/webhooks/twilio/sms/"
PATIENT_PHONE = "+15125557001"
WAIT = 30.0


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def fake_twilio():
    with FakeTwilio(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN) as fake:
        yield fake


@pytest.fixture
def worker(transactional_db, fake_twilio):
    """A real Celery worker process on the test database, sending through the fake Twilio."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "e2e-not-secret",
        "ALLOWED_HOSTS": "localhost",
        "SMS_BACKEND": "notifications.backends.twilio.TwilioBackend",
        "TWILIO_API_URL": fake_twilio.url,
        "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": settings.TWILIO_FROM_NUMBER,
        "TWILIO_TIMEOUT_SECONDS": "5",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
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
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        "redflag-e2e@%h",
    ]
    worker = Proc.spawn("worker", cmd, env, Path(tempfile.mkdtemp(prefix="redflag-e2e-")))
    try:
        worker.wait_for_output("ready.")
        yield worker
    finally:
        worker.stop(timeout=15)


def _post_sms(client: Client, *, sid: str, from_: str, body: str):
    params = {
        "MessageSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": from_,
        "To": settings.TWILIO_FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    signature = twilio_signature(settings.PUBLIC_BASE_URL + WEBHOOK, params)
    return client.post(WEBHOOK, **form(params), HTTP_X_TWILIO_SIGNATURE=signature)


def _texts_to(fake: FakeTwilio, number: str) -> list[str]:
    return [m["body"] for m in fake.messages if m["to"] == number]


def _wait_for_text(fake: FakeTwilio, number: str, count: int, worker) -> list[str]:
    if not fake.wait_for(lambda f: len(_texts_to(f, number)) >= count, timeout=WAIT):
        pytest.fail(
            f"no text #{count} to {number} within {WAIT}s; fake saw {fake.messages}\n"
            f"worker log:\n{worker.output()}"
        )
    return _texts_to(fake, number)


def test_a_yes_to_breathlessness_pages_the_chain_until_the_backup_acks_by_sms(worker, fake_twilio):
    # Quiet hours off so the check opens whatever the time of day this runs.
    clinic = ClinicFactory(
        slug="e2e-spine",
        name="E2E Spine",
        quiet_hours_start=dt.time(0, 0),
        quiet_hours_end=dt.time(0, 0),
    )
    now = timezone.now()
    people = {}
    for username, role, shift in (
        ("bob", Role.PHYSICIAN, "primary"),
        ("bea", Role.PHYSICIAN, "backup"),
        ("lena", Role.PHYSICIAN, "lead"),
        ("adam", Role.CLINIC_ADMIN, None),
    ):
        member = MembershipFactory(user=UserFactory(username=username), clinic=clinic, role=role)
        people[username] = member
        if shift:
            OnCallShift.objects.create(
                clinic=clinic,
                user=member.user,
                role=shift,
                starts_at=now - dt.timedelta(days=1),
                ends_at=now + dt.timedelta(days=1),
            )
    enrollment = enrollment_create(
        clinic=clinic,
        physician=people["bob"].user,
        patient_data={
            "mrn": "E2E-1",
            "first_name": "Ana",
            "last_name": "Ruiz",
            "date_of_birth": dt.date(1961, 4, 2),
            "phone": PATIENT_PHONE,
            "language": "en",
            "time_zone": "America/Chicago",
        },
        procedure="VA",
        performed_on=timezone.localdate() - dt.timedelta(days=20),
        baseline_pain=7,
    )
    client = Client()

    # The 2-week check opens: its first text (greeting + the red-flag checklist, breathing first)
    # reaches the phone.
    dispatch_due(now=timezone.now())
    opening = _wait_for_text(fake_twilio, PATIENT_PHONE, 1, worker)[0]
    assert "E2E Spine" in opening
    assert enrollment.checkpoints.get(key="d14").current_question == "RF_SOB_CHEST"

    # The patient picks item 1: the webhook only stores it (empty TwiML); the worker processes it
    # and the emergency instruction reaches the phone through the outbox within seconds.
    response = _post_sms(client, sid="SM" + "e2e1".ljust(32, "0"), from_=PATIENT_PHONE, body="1")
    assert response.status_code == 200
    assert "<Message>" not in response.content.decode()
    safety = _wait_for_text(fake_twilio, PATIENT_PHONE, 2, worker)[1]
    assert "call 911 or go to the nearest emergency department now" in safety

    escalation = Escalation.objects.get(patient=enrollment.patient)
    assert (escalation.tier, escalation.kind, escalation.status) == (
        "EMERGENCY",
        "SOB_CHEST",
        "open",
    )

    # Within one sweep the on-call physician's page is at the fake Twilio, with the code and no PHI.
    dispatch_due(now=timezone.now())
    page = _wait_for_text(fake_twilio, people["bob"].page_phone, 1, worker)[0]
    assert f"EMERGENCY flag {escalation.code}" in page and f"Reply ACK {escalation.code}" in page
    assert "Ana" not in page and "Ruiz" not in page and "breath" not in page.lower()
    assert _texts_to(fake_twilio, people["bea"].page_phone) == []

    # Nobody answers: the backup is paged by the sweep once 10 minutes have passed.
    dispatch_due(now=escalation.created_at + dt.timedelta(minutes=9))
    time.sleep(1)
    assert _texts_to(fake_twilio, people["bea"].page_phone) == []
    dispatch_due(now=escalation.created_at + dt.timedelta(minutes=10, seconds=1))
    backup_page = _wait_for_text(fake_twilio, people["bea"].page_phone, 1, worker)[0]
    assert f"ACK {escalation.code}" in backup_page

    # The backup texts "ACK <code>": the escalation is hers, and she is told so by text.
    ack = _post_sms(
        client,
        sid="SM" + "e2e2".ljust(32, "0"),
        from_=people["bea"].page_phone,
        body=f"ACK {escalation.code}",
    )
    assert ack.status_code == 200
    confirmation = _wait_for_text(fake_twilio, people["bea"].page_phone, 2, worker)[1]
    assert f"ACK {escalation.code} recorded" in confirmation
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged" and escalation.acknowledged_by == people["bea"].user
    assert escalation.acknowledged_via == "sms" and escalation.next_page_at is None

    # The chain has stopped: the lead's turn comes and goes without a page.
    dispatch_due(now=escalation.created_at + dt.timedelta(minutes=20, seconds=1))
    dispatch_due(now=escalation.created_at + dt.timedelta(minutes=45))
    time.sleep(2)
    assert _texts_to(fake_twilio, people["lena"].page_phone) == []
    assert not Page.objects.filter(escalation=escalation, recipient=people["lena"].user).exists()
    assert len(_texts_to(fake_twilio, people["bob"].page_phone)) == 1
    # In write order: the sweep ran on a clock 10 minutes ahead of the webhook's, so ``at`` is not.
    events = TimelineEvent.objects.filter(escalation=escalation).order_by("id")
    kinds = list(events.values_list("kind", flat=True))
    assert kinds == ["escalation_opened", "page_sent", "page_sent", "escalation_acknowledged"]
