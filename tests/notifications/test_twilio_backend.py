"""The Twilio backend through the real SDK against the local fake Twilio server."""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue, outbox_send
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, phone="+15125550142")


def send_one(
    patient, key="t1", body="Austin Spine: time for your check. Reply STOP to opt out."
) -> OutboundMessage:
    row = outbox_enqueue(
        key=key, channel="sms", to=patient.phone, body=body, purpose="check_open", patient=patient
    )
    outbox_send(message_id=row.pk)
    row.refresh_from_db()
    return row


def test_it_sends_through_the_sdk_with_auth_from_number_and_status_callback(
    fake_twilio, settings, patient
):
    row = send_one(patient)
    assert row.status == OutboundStatus.SENT
    [sent] = fake_twilio.messages
    assert sent["to"] == "+15125550142" and sent["from"] == settings.TWILIO_FROM_NUMBER
    assert sent["body"].startswith("Austin Spine")
    assert sent["status_callback"] == f"https://followup.test/webhooks/twilio/status/?m={row.pk}"
    assert sent["auth"]["username"] == settings.TWILIO_ACCOUNT_SID
    assert row.provider_id == sent["sid"]


def test_it_uses_the_messaging_service_when_configured(fake_twilio, settings, patient):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    send_one(patient)
    assert fake_twilio.messages[0]["messaging_service_sid"] == "MG" + "1" * 32


def test_21211_is_permanent_and_marks_the_number_invalid(fake_twilio, patient):
    fake_twilio.push("invalid_number")
    row = send_one(patient)
    assert row.status == OutboundStatus.FAILED and row.error_code == "21211"
    patient.refresh_from_db()
    assert patient.phone_invalid_at is not None
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(message_id=row.pk) == "not-claimed"
    assert len(fake_twilio.requests) == 1


def test_21610_is_permanent_and_opts_the_patient_out(fake_twilio, patient):
    fake_twilio.push("unsubscribed")
    row = send_one(patient)
    assert row.status == OutboundStatus.FAILED and row.error_code == "21610"
    patient.refresh_from_db()
    assert patient.is_opted_out


@pytest.mark.parametrize("behaviour", ["server_error", "rate_limited"])
def test_500_and_429_are_retried_until_sent(fake_twilio, patient, behaviour):
    fake_twilio.push(behaviour)
    row = send_one(patient)
    assert row.status == OutboundStatus.PENDING and row.attempts == 1
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert outbox_send(message_id=row.pk) == OutboundStatus.SENT
    assert len(fake_twilio.messages) == 1 and len(fake_twilio.requests) == 2


def test_a_429_retry_after_header_sets_the_next_attempt(fake_twilio, patient):
    fake_twilio.push("rate_limited", retry_after=300)
    before = timezone.now()
    row = send_one(patient)
    assert (row.next_attempt_at - before).total_seconds() >= 299


def test_a_problem_json_error_is_classified_not_crashed(fake_twilio, patient):
    fake_twilio.push("problem", status=400, code=21211, title="Invalid To", detail="bad number")
    row = send_one(patient)
    assert row.status == OutboundStatus.FAILED and row.error_code == "21211"


def test_a_hanging_twilio_times_out_into_unknown_not_a_resend(fake_twilio, patient):
    fake_twilio.push("hang", seconds=5)
    started = timezone.now()
    row = send_one(patient)
    assert (timezone.now() - started).total_seconds() < 4
    assert row.status == OutboundStatus.UNKNOWN
    assert outbox_send(message_id=row.pk) == "not-claimed"


def test_an_accepted_but_late_answer_is_reconciled_to_one_text(fake_twilio, patient, settings):
    from notifications.outbox import outbox_sweep

    fake_twilio.push("accept_late", seconds=3)
    row = send_one(patient)
    assert row.status == OutboundStatus.UNKNOWN
    OutboundMessage.objects.filter(pk=row.pk).update(
        sending_started_at=timezone.now() - timezone.timedelta(hours=1)
    )
    outbox_sweep(now=timezone.now())
    row.refresh_from_db()
    assert row.status == OutboundStatus.SENT
    assert len(fake_twilio.messages) == 1
    assert row.provider_id == fake_twilio.messages[0]["sid"]


def test_a_wrong_auth_token_is_retried_not_marked_permanent(fake_twilio, settings, patient):
    from notifications.backends import sms_backend_reset

    settings.TWILIO_AUTH_TOKEN = "wrong"
    sms_backend_reset()
    row = send_one(patient)
    assert row.status == OutboundStatus.PENDING
    patient.refresh_from_db()
    assert patient.phone_invalid_at is None


def test_the_backend_refuses_to_start_without_credentials(settings):
    from django.core.exceptions import ImproperlyConfigured

    from notifications.backends.twilio import TwilioBackend

    settings.TWILIO_AUTH_TOKEN = ""
    with pytest.raises(ImproperlyConfigured):
        TwilioBackend()


def test_twilio_codes_become_reasons_of_our_own_for_the_failure_signal():
    from notifications.backends.twilio import failure_reason
    from notifications.signals import FAILURE_INVALID_NUMBER, FAILURE_OPTED_OUT

    assert failure_reason("21610") == FAILURE_OPTED_OUT
    assert {failure_reason(c) for c in ("21211", "21614", "30006")} == {FAILURE_INVALID_NUMBER}
    assert failure_reason("30007") == failure_reason("20500") == failure_reason("") == ""
