"""POST /webhooks/twilio/sms/: signature, storage, exactly-once processing, bad input."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from followup.conversation import routing
from followup.models import Answer, Checkpoint
from notifications import inbound
from notifications.inbound import inbound_retry_stale
from notifications.models import InboundMessage, InboundStatus, OutboundMessage
from tests.survey_helpers import (
    SMS_URL,
    bodies_to,
    form,
    last_text,
    new_sid,
    post_sms,
    sign,
    start_survey,
    texts_to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint(clinic, bob):
    return start_survey(legacy=True, clinic=clinic, physician=bob)


@pytest.fixture
def phone(checkpoint):
    return checkpoint.enrollment.patient.phone


# --- signature ------------------------------------------------------------------------------------


def test_it_refuses_a_request_without_a_signature(client, phone):
    response = post_sms(client, body="no", from_=phone, signed=False)
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_it_refuses_a_wrong_signature(client, phone):
    params = {"MessageSid": new_sid(), "From": phone, "To": "+15005550006", "Body": "no"}
    response = client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE="bm90IGEgc2lnbmF0dXJl")
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_it_refuses_a_signature_made_for_other_parameters(client, phone):
    params = {"MessageSid": new_sid(), "From": phone, "To": "+15005550006", "Body": "no"}
    signature = sign(SMS_URL, params)
    tampered = {**params, "Body": "yes"}
    assert (
        client.post(SMS_URL, **form(tampered), HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    )


def test_it_refuses_a_signature_made_for_another_url(client, phone):
    params = {"MessageSid": new_sid(), "From": phone, "To": "+15005550006", "Body": "no"}
    signature = sign("/webhooks/twilio/status/", params)
    assert (
        client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    )


def test_it_refuses_everything_when_no_auth_token_is_configured(client, phone, settings):
    params = {"MessageSid": new_sid(), "From": phone, "Body": "no"}
    signature = sign(SMS_URL, params)
    settings.TWILIO_AUTH_TOKEN = ""
    assert (
        client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    )


def test_it_only_accepts_post(client):
    assert client.get(SMS_URL).status_code == 405


def test_it_answers_400_without_a_message_sid(client, phone):
    params = {"From": phone, "Body": "no"}
    response = client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params))
    assert response.status_code == 400


# --- storing and answering --------------------------------------------------------------------------


def test_it_stores_the_text_and_answers_with_empty_twiml(client, phone, checkpoint):
    sid = new_sid()
    response = post_sms(client, body="No", from_=phone, sid=sid)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert b"<Response />" in response.content or b"<Response/>" in response.content
    row = InboundMessage.objects.get(message_sid=sid)
    assert row.status == InboundStatus.PROCESSED and row.body == "No" and row.from_number == phone
    assert row.patient_id == checkpoint.enrollment.patient_id and row.checkpoint_id == checkpoint.pk
    assert row.kind == "survey_answer"
    # The next question went out through the outbox, not in the TwiML.
    assert last_text(phone).startswith("(2/7)")


def test_it_answers_twilio_well_inside_its_15_second_limit(client, phone):
    started = time.monotonic()
    for body in ("no", "no", "7"):
        assert post_sms(client, body=body, from_=phone).status_code == 200
    # Three full webhook round trips (store, route, queue the reply) in a fraction of the limit.
    assert time.monotonic() - started < 5


def test_it_processes_the_same_message_sid_once(client, phone, checkpoint):
    sid = new_sid()
    first = post_sms(client, body="no", from_=phone, sid=sid)
    second = post_sms(client, body="no", from_=phone, sid=sid)
    assert first.status_code == second.status_code == 200
    assert InboundMessage.objects.filter(message_sid=sid).count() == 1
    checkpoint.refresh_from_db()
    assert checkpoint.current_index == 1  # one answer, not two
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 1
    assert len(texts_to(phone)) == 2  # the opening and one next question


@pytest.mark.django_db(transaction=True)
def test_it_processes_a_message_posted_twice_at_the_same_moment_once(clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    sid = new_sid()
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def deliver() -> None:
        try:
            barrier.wait()
            statuses.append(post_sms(Client(), body="no", from_=phone, sid=sid).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200, 200, 200, 200]
    assert InboundMessage.objects.filter(message_sid=sid).count() == 1
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 1
    assert Checkpoint.objects.get(pk=checkpoint.pk).current_index == 1
    assert OutboundMessage.objects.filter(idempotency_key=f"inbound:{sid}:reply").count() == 1
    assert len(texts_to(phone)) == 2


def test_a_crash_leaves_the_text_for_the_sweep_which_processes_it_once(
    client, phone, checkpoint, monkeypatch
):
    real = routing.conversation_inbound
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return real(**kwargs)

    monkeypatch.setattr(routing, "conversation_inbound", flaky)
    sid = new_sid()
    response = post_sms(client, body="no", from_=phone, sid=sid)
    assert response.status_code == 200  # Twilio is answered; the text is not lost
    row = InboundMessage.objects.get(message_sid=sid)
    assert (
        row.status == InboundStatus.RECEIVED
        and "database hiccup" in row.last_error
        and row.attempts == 1
    )
    assert len(texts_to(phone)) == 1  # nothing answered yet
    # Not yet stale: a sweep right now leaves it alone (it may still be in its request).
    assert (
        inbound_retry_stale(now=timezone.now() - timezone.timedelta(minutes=5))["inbound_retried"]
        == 0
    )
    InboundMessage.objects.filter(pk=row.pk).update(
        received_at=timezone.now() - timezone.timedelta(minutes=5)
    )
    summary = inbound_retry_stale(now=timezone.now())
    assert summary == {"inbound_retried": 1, "inbound_recovered": 1}
    row.refresh_from_db()
    assert row.status == InboundStatus.PROCESSED and row.kind == "survey_answer"
    assert len(texts_to(phone)) == 2
    # A second sweep and a Twilio retry change nothing.
    inbound_retry_stale(now=timezone.now())
    post_sms(client, body="no", from_=phone, sid=sid)
    assert len(texts_to(phone)) == 2 and Answer.objects.filter(checkpoint=checkpoint).count() == 1


def test_a_text_that_keeps_crashing_is_marked_failed_for_staff(phone, checkpoint, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("always")

    monkeypatch.setattr(routing, "conversation_inbound", broken)
    row_id = inbound.inbound_store(params={"MessageSid": new_sid(), "From": phone, "Body": "no"})
    for _ in range(inbound.MAX_PROCESSING_ATTEMPTS):
        inbound.inbound_process(inbound_id=row_id)
    row = InboundMessage.objects.get(pk=row_id)
    assert row.status == InboundStatus.FAILED and row.attempts == inbound.MAX_PROCESSING_ATTEMPTS


# --- bad input --------------------------------------------------------------------------------------


def test_an_empty_body_gets_a_reprompt(client, phone):
    response = post_sms(client, body="", from_=phone)
    assert response.status_code == 200
    # The hint, then the question again (issue 18).
    assert last_text(phone).startswith("Sorry, we did not understand. Please reply YES or NO. (1/")


def test_a_1600_character_body_is_kept_whole_and_reprompted(client, phone):
    body = ("my back has been sore and stiff every morning " * 40)[:1600]
    assert len(body) == 1600
    sid = new_sid()
    assert post_sms(client, body=body, from_=phone, sid=sid).status_code == 200
    assert InboundMessage.objects.get(message_sid=sid).body == body
    assert "YES or NO" in last_text(phone)


@pytest.mark.parametrize("body", ["👍", "🙂🙂", "✔️ yes?? 🤔", "Ｙｅｓ…", "\u200b", "ñ"])
def test_emoji_and_other_unicode_never_crash_and_are_stored_as_sent(client, phone, body):
    sid = new_sid()
    assert post_sms(client, body=body, from_=phone, sid=sid).status_code == 200
    row = InboundMessage.objects.get(message_sid=sid)
    assert row.body == body and row.status == InboundStatus.PROCESSED


def test_a_thumbs_up_is_not_taken_as_yes(client, phone, checkpoint):
    post_sms(client, body="👍", from_=phone)
    assert not Answer.objects.filter(checkpoint=checkpoint).exists()
    assert last_text(phone).startswith("Sorry")


# --- unknown numbers ----------------------------------------------------------------------------------


def test_an_unknown_number_gets_one_neutral_reply_and_is_kept(client, clinic):
    stranger = "+15125559999"
    first, second = new_sid(), new_sid()
    post_sms(client, body="Hi is this Dr Smith?", from_=stranger, sid=first)
    post_sms(client, body="hello??", from_=stranger, sid=second)
    replies = bodies_to(stranger)
    assert len(replies) == 1
    assert "call your clinic" in replies[0] and "911" in replies[0]
    assert clinic.name not in replies[0]  # no clinic, no name: nothing about anyone's care
    rows = InboundMessage.objects.filter(from_number=stranger).order_by("id")
    assert [r.kind for r in rows] == ["unknown_number", "unknown_number"]
    assert all(r.status == InboundStatus.PROCESSED and r.patient_id is None for r in rows)
