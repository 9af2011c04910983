"""POST /webhooks/twilio/status/: forward-only delivery status, error codes, survey fallback."""

from __future__ import annotations

import pytest
from django.core import mail

from followup.models import Checkpoint, TimelineEvent
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_send
from notifications.signals import FAILURE_INVALID_NUMBER
from patients.models import Patient
from tests.survey_helpers import STATUS_URL, form, post_status, start_survey

pytestmark = pytest.mark.django_db


def _sent_opening(checkpoint: Checkpoint) -> OutboundMessage:
    message = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert outbox_send(message_id=message.pk) == OutboundStatus.SENT
    message.refresh_from_db()
    return message


@pytest.fixture
def opening(clinic, bob):
    return _sent_opening(start_survey(clinic=clinic, physician=bob))


def test_it_refuses_an_unsigned_callback(client, opening):
    response = client.post(
        f"{STATUS_URL}?m={opening.pk}",
        **form({"MessageSid": opening.provider_id, "MessageStatus": "delivered"}),
    )
    assert response.status_code == 403
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.SENT


def test_it_moves_a_row_through_sent_to_delivered(client, opening):
    assert opening.provider_status == "queued"
    assert (
        post_status(
            client, message_id=opening.pk, sid=opening.provider_id, status="sent"
        ).status_code
        == 200
    )
    opening.refresh_from_db()
    assert (opening.status, opening.provider_status) == (OutboundStatus.SENT, "sent")
    post_status(client, message_id=opening.pk, sid=opening.provider_id, status="delivered")
    opening.refresh_from_db()
    assert (opening.status, opening.provider_status) == (OutboundStatus.DELIVERED, "delivered")
    assert opening.delivered_at is not None


def test_it_never_moves_a_row_backwards(client, opening):
    post_status(client, message_id=opening.pk, sid=opening.provider_id, status="delivered")
    for late in ("sent", "sending", "queued"):
        post_status(client, message_id=opening.pk, sid=opening.provider_id, status=late)
    opening.refresh_from_db()
    assert (opening.status, opening.provider_status) == (OutboundStatus.DELIVERED, "delivered")


def test_a_delivered_row_does_not_become_undelivered(client, opening):
    post_status(client, message_id=opening.pk, sid=opening.provider_id, status="delivered")
    post_status(
        client,
        message_id=opening.pk,
        sid=opening.provider_id,
        status="undelivered",
        error_code="30003",
    )
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.DELIVERED and opening.error_code == ""


def test_it_finds_the_row_by_provider_id_without_the_row_id(client, opening):
    post_status(client, message_id=None, sid=opening.provider_id, status="delivered")
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.DELIVERED


def test_it_ignores_a_callback_whose_sid_does_not_match_the_row(client, opening):
    post_status(
        client, message_id=opening.pk, sid="SM" + "f" * 32, status="failed", error_code="30008"
    )
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.SENT


def test_it_settles_a_send_whose_outcome_was_unknown(client, opening):
    OutboundMessage.objects.filter(pk=opening.pk).update(
        status=OutboundStatus.UNKNOWN, provider_id=None, provider_status=""
    )
    post_status(
        client, message_id=opening.pk, sid="SMsettled000000000000000000000001", status="sent"
    )
    opening.refresh_from_db()
    assert (
        opening.status == OutboundStatus.SENT
        and opening.provider_id == "SMsettled000000000000000000000001"
    )


def test_an_unknown_status_or_message_is_answered_and_ignored(client, opening):
    assert (
        post_status(
            client, message_id=opening.pk, sid=opening.provider_id, status="teleported"
        ).status_code
        == 200
    )
    assert (
        post_status(client, message_id=999999, sid="SMnobody", status="delivered").status_code
        == 200
    )
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.SENT


def test_undelivered_keeps_the_error_code_and_falls_back_to_email(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob, email="ana@example.org")
    opening = _sent_opening(checkpoint)
    post_status(
        client,
        message_id=opening.pk,
        sid=opening.provider_id,
        status="undelivered",
        error_code="30005",
    )
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.UNDELIVERED and opening.error_code == "30005"
    checkpoint.refresh_from_db()
    assert checkpoint.channel == "email" and "sent by email" in checkpoint.status_reason
    email = OutboundMessage.objects.get(checkpoint=checkpoint, channel="email")
    assert email.to == "ana@example.org" and "/f/" in email.body and email.html_body
    assert outbox_send(message_id=email.pk) == OutboundStatus.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].alternatives
    assert TimelineEvent.objects.filter(
        patient=checkpoint.enrollment.patient, kind="delivery_fallback"
    ).exists()
    # A retried callback does not send a second email.
    post_status(
        client,
        message_id=opening.pk,
        sid=opening.provider_id,
        status="undelivered",
        error_code="30005",
    )
    post_status(
        client, message_id=opening.pk, sid=opening.provider_id, status="failed", error_code="30005"
    )
    assert OutboundMessage.objects.filter(checkpoint=checkpoint, channel="email").count() == 1


def test_undelivered_without_email_shows_the_patient_as_unreachable(client, opening):
    post_status(
        client, message_id=opening.pk, sid=opening.provider_id, status="failed", error_code="30003"
    )
    checkpoint = Checkpoint.objects.get(pk=opening.checkpoint_id)
    assert checkpoint.status_reason.startswith("unreachable")
    assert checkpoint.next_reminder_at is None
    patient = Patient.objects.get(pk=opening.patient_id)
    assert TimelineEvent.objects.filter(patient=patient, kind="unreachable").exists()
    # 30003 is permanent: the number is marked unusable (patients app), so nothing more is texted.
    assert patient.phone_invalid_at is not None and not patient.can_text


def test_a_failed_non_survey_text_does_not_touch_the_check(client, opening):
    reply = OutboundMessage.objects.create(
        idempotency_key="test:help",
        channel="sms",
        to=opening.to,
        body="help text",
        purpose="keyword",
        patient=opening.patient,
        checkpoint=opening.checkpoint,
        status=OutboundStatus.SENT,
        provider_id="SMhelp0000000000000000000000000",
        provider_status="queued",
    )
    post_status(
        client, message_id=reply.pk, sid=reply.provider_id, status="undelivered", error_code="30008"
    )
    checkpoint = Checkpoint.objects.get(pk=opening.checkpoint_id)
    assert checkpoint.channel == "sms" and checkpoint.status_reason == ""


def test_a_text_refused_at_once_by_twilio_also_falls_back_to_email(clinic, bob):
    from notifications.backends import DeliveryError, memory

    checkpoint = start_survey(clinic=clinic, physician=bob, email="ana@example.org")
    opening = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    memory.failures.append(
        DeliveryError(
            "Twilio 21211: invalid To", permanent=True, code="21211", reason=FAILURE_INVALID_NUMBER
        )
    )
    assert outbox_send(message_id=opening.pk) == OutboundStatus.FAILED
    checkpoint.refresh_from_db()
    assert checkpoint.channel == "email" and "21211" in checkpoint.status_reason
    assert OutboundMessage.objects.filter(checkpoint=checkpoint, channel="email").count() == 1
    assert Patient.objects.get(pk=opening.patient_id).phone_invalid_at is not None
