"""The webhook signature check: one HMAC for the URL as configured, the SDK's full check otherwise."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from twilio.request_validator import RequestValidator

from notifications.twilio_signature import twilio_signature_valid

URL_PATH = "/webhooks/twilio/sms/"
PARAMS = {"MessageSid": "SM" + "1" * 32, "From": "+15125550100", "Body": "Ñó ✓ no"}


def _request(signature: str, params=PARAMS, **headers):
    return RequestFactory().post(URL_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature, **headers)


def _sign(url: str, params=PARAMS, algorithm: str | None = None, token: str | None = None) -> str:
    from django.conf import settings

    validator = RequestValidator(token or settings.TWILIO_AUTH_TOKEN)
    return validator.compute_signature(url, params, algorithm)


def test_the_configured_url_is_checked_with_one_hmac(settings, monkeypatch):
    def full_check(*args, **kwargs):
        raise AssertionError("the fast path should have answered")

    monkeypatch.setattr(RequestValidator, "validate", full_check)
    signature = _sign(settings.PUBLIC_BASE_URL + URL_PATH)
    assert twilio_signature_valid(_request(signature)) is True


def test_a_signature_over_the_url_with_its_port_still_passes(settings):
    with_port = settings.PUBLIC_BASE_URL.replace(
        "https://followup.test", "https://followup.test:443"
    )
    assert with_port != settings.PUBLIC_BASE_URL
    assert twilio_signature_valid(_request(_sign(with_port + URL_PATH))) is True


def test_hmac_sha256_from_the_settings_header_passes(settings):
    signature = _sign(settings.PUBLIC_BASE_URL + URL_PATH, algorithm="HMAC_SHA256")
    request = _request(
        signature, HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS="key=k1,algorithm=HMAC_SHA256"
    )
    assert twilio_signature_valid(request) is True
    # The same signature read as SHA-1 is wrong.
    assert twilio_signature_valid(_request(signature)) is False


def test_repeated_parameters_are_signed_as_the_sdk_signs_them(settings):
    from django.http import QueryDict

    params = {**PARAMS, "MediaUrl": ["https://a.example/1", "https://a.example/0"]}
    as_posted = QueryDict(mutable=True)
    for name, value in params.items():
        as_posted.setlist(name, value if isinstance(value, list) else [value])
    signature = _sign(settings.PUBLIC_BASE_URL + URL_PATH, params=as_posted)
    assert twilio_signature_valid(_request(signature, params=params)) is True


@pytest.mark.parametrize(
    "signature",
    ["", "bm90IGEgc2lnbmF0dXJl", "é" * 28, "x" * 5000],
    ids=["empty", "wrong", "non-ascii", "very-long"],
)
def test_anything_else_is_refused(signature):
    assert twilio_signature_valid(_request(signature)) is False


def test_an_unknown_algorithm_is_refused(settings):
    signature = _sign(settings.PUBLIC_BASE_URL + URL_PATH)
    request = _request(signature, HTTP_X_TWILIO_WEBHOOKS_SIGNATURE_SETTINGS="algorithm=HMAC_MD5")
    assert twilio_signature_valid(request) is False
