"""Demo phone simulator and demo clock: demo only, and replies take the signed-webhook path."""

from __future__ import annotations

import datetime as dt

import pytest

from followup import clock
from followup.models import CheckpointStatus
from notifications.models import InboundMessage, InboundStatus
from tests.factories import PatientFactory, enroll

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.BASE_DIR = tmp_path  # the clock file lives under BASE_DIR/var
    yield settings
    clock.reset()


def test_the_simulator_does_not_exist_outside_the_demo(client, clinic):
    patient = PatientFactory(clinic=clinic)
    assert client.get("/demo/phone/").status_code == 404
    assert client.get(f"/demo/phone/{patient.phone}/").status_code == 404
    assert client.post(f"/demo/phone/{patient.phone}/reply/", {"body": "yes"}).status_code == 404
    assert client.post("/demo/clock/", {"by": "3m"}).status_code == 404
    assert not InboundMessage.objects.exists()


def test_a_reply_goes_through_the_signed_webhook_and_is_processed_once(demo, client, clinic, alice):
    client.force_login(alice)
    patient = PatientFactory(clinic=clinic, phone="+15125550190")
    response = client.post(f"/demo/phone/{patient.phone}/reply/", {"body": "hello from the demo"})
    assert response.status_code == 302
    [row] = InboundMessage.objects.all()
    assert row.from_number == "+15125550190" and row.body == "hello from the demo"
    assert row.status == InboundStatus.PROCESSED and row.patient_id == patient.pk
    page = client.get(f"/demo/phone/{patient.phone}/")
    assert page.status_code == 200 and page.content.count(b"hello from the demo") == 1
    assert b"datetime" not in page.content  # the thread renders as bubbles, not as raw dicts


def test_the_simulated_webhook_request_is_refused_with_a_wrong_token(demo, clinic):
    from demo.simulator import webhook_simulate_inbound

    patient = PatientFactory(clinic=clinic)
    demo.TWILIO_AUTH_TOKEN = (
        "a-different-token"  # signature computed and checked with the same token
    )
    assert webhook_simulate_inbound(from_number=patient.phone, body="x").status_code == 200
    demo.TWILIO_AUTH_TOKEN = ""
    assert webhook_simulate_inbound(from_number=patient.phone, body="y").status_code == 403


def test_advancing_the_demo_clock_runs_the_sweep_as_of_that_time(demo, client, clinic, bob):
    # The clock moves by whole days, so the sweep runs at this hour of the day: without quiet
    # hours the check opens whenever the suite runs (21:00-08:00 Chicago would defer it).
    clinic.quiet_hours_start = clinic.quiet_hours_end = dt.time(0, 0)
    clinic.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    patient = PatientFactory(clinic=clinic)
    enrollment = enroll(
        patient=patient, physician=bob, procedure="ESI", performed_on=dt.date.today()
    )
    d14 = enrollment.checkpoints.get(key="d14")
    client.force_login(bob)
    before = clock.now()
    client.post("/demo/clock/", {"by": "2w"})
    assert clock.now() - before >= dt.timedelta(weeks=2)
    client.post("/demo/clock/", {"by": "1d"})
    d14.refresh_from_db()
    assert d14.status == CheckpointStatus.OPEN


def test_the_clock_only_moves_forward_and_only_in_the_demo(settings, demo):
    with pytest.raises(ValueError):
        clock.advance(dt.timedelta(days=-1))
    settings.DEMO_MODE = False
    with pytest.raises(RuntimeError):
        clock.advance(dt.timedelta(days=1))
    assert clock.offset() == dt.timedelta(0)


def test_a_refused_simulated_reply_is_reported_not_dropped(demo, client, clinic, alice):
    client.force_login(alice)
    patient = PatientFactory(clinic=clinic)
    demo.TWILIO_AUTH_TOKEN = ""
    response = client.post(f"/demo/phone/{patient.phone}/reply/", {"body": "hello"})
    assert response.status_code == 502 and b"TWILIO_AUTH_TOKEN" in response.content
