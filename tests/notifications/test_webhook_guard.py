"""Issue 20.8: the Twilio webhooks take only what Twilio sends: form-encoded bodies up to
WEBHOOK_MAX_BODY_BYTES, signed with HMAC-SHA1 or HMAC-SHA256. Real requests through the test
client and the real views; nothing refused is stored."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from notifications.models import InboundMessage
from notifications.twilio_signature import twilio_signature
from tests.survey_helpers import SMS_URL, STATUS_URL, form, new_sid, sign

pytestmark = pytest.mark.django_db


def _params(body: str = "no") -> dict:
    return {
        "MessageSid": new_sid(),
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": "+15125550177",
        "To": settings.TWILIO_FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


def test_a_signed_form_encoded_text_is_accepted(client):
    params = _params()

    answer = client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params))

    assert answer.status_code == 200
    assert InboundMessage.objects.filter(message_sid=params["MessageSid"]).exists()


def test_a_json_body_is_refused_before_its_signature_is_read(client):
    params = _params()
    # Signed as the SDK signs a JSON body (bodySHA256 in the URL), which Twilio's SMS webhooks
    # never send.
    answer = client.post(
        SMS_URL + "?bodySHA256=x",
        json.dumps(params),
        content_type="application/json",
        HTTP_X_TWILIO_SIGNATURE=twilio_signature(settings.PUBLIC_BASE_URL + SMS_URL, {}),
    )

    assert answer.status_code == 415
    assert not InboundMessage.objects.exists()


def test_a_multipart_body_is_refused(client):
    params = _params()

    answer = client.post(SMS_URL, params, HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params))

    assert answer.status_code == 415
    assert not InboundMessage.objects.exists()


def test_a_body_over_the_limit_is_refused_even_when_signed(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 4096
    params = _params(body="x" * 5000)

    answer = client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params))

    assert answer.status_code == 413
    assert not InboundMessage.objects.exists()


def test_the_default_limit_takes_the_longest_text_twilio_sends(client):
    params = _params(body="😀" * 1600)  # 1,600 characters, 12 bytes each once form-encoded

    answer = client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params))

    assert answer.status_code == 200


@pytest.mark.parametrize("algorithm", ["HMAC_MD5", "NONE", "hmac_sha1", "RSA_SHA256"])
def test_only_twilios_signature_algorithms_are_accepted(client, algorithm):
    params = _params()

    answer = client.post(
        SMS_URL,
        **form(params),
        HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params),
        HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS=f"key=k1,algorithm={algorithm}",
    )

    assert answer.status_code == 403
    assert not InboundMessage.objects.exists()


def test_the_status_callback_has_the_same_door(client):
    params = {"MessageSid": new_sid(), "MessageStatus": "delivered"}

    as_json = client.post(
        STATUS_URL,
        json.dumps(params),
        content_type="application/json",
        HTTP_X_TWILIO_SIGNATURE=sign(STATUS_URL, params),
    )

    assert as_json.status_code == 415
