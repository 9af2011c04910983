"""config.wsgi: Twilio's webhooks get their own middleware stack, the site keeps the full one.

Django's test client builds its handler from MIDDLEWARE, so these tests call the WSGI
application itself, as gunicorn does.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from config.handlers import wsgi_application
from notifications.models import InboundMessage, OutboundMessage, OutboundStatus
from notifications.outbox import outbox_send
from tests.survey_helpers import SMS_URL, STATUS_URL, form, new_sid, sign, start_survey

pytestmark = pytest.mark.django_db


class BrokenStaffMiddleware:
    """Stands for a failure in the staff machinery (a session store that is down, a bug)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raise RuntimeError("staff middleware failed")


def call(app, environ: dict) -> tuple[int, dict, bytes]:
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    # As Django's test client does: the test's transaction must not be closed between requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(app(environ, start_response))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return seen["status"], seen["headers"], body


def text(body: str = "no", **extra) -> tuple[dict, dict]:
    params = {"MessageSid": new_sid(), "From": "+15551230001", "To": "+15005550006", "Body": body}
    signature = sign(SMS_URL, params)
    return params, RequestFactory().post(
        SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=signature, **extra
    ).environ


@pytest.fixture
def broken_staff_stack(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.config.test_wsgi.BrokenStaffMiddleware"]
    return wsgi_application()


def test_a_text_is_stored_even_when_the_staff_middleware_fails(broken_staff_stack):
    params, environ = text("I have a fever")
    status, headers, body = call(broken_staff_stack, environ)
    assert status == 200
    assert headers["Content-Type"] == "application/xml"
    assert body.startswith(b"<?xml")
    stored = InboundMessage.objects.get(message_sid=params["MessageSid"])
    assert stored.body == "I have a fever"


def test_a_delivery_callback_is_recorded_even_when_the_staff_middleware_fails(
    broken_staff_stack, clinic, bob
):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    message = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert outbox_send(message_id=message.pk) == OutboundStatus.SENT
    message.refresh_from_db()
    url = f"{STATUS_URL}?m={message.pk}"
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    environ = (
        RequestFactory()
        .post(url, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(url, params))
        .environ
    )
    status, _, _ = call(broken_staff_stack, environ)
    assert status == 200
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED


def test_staff_pages_still_go_through_the_staff_middleware(broken_staff_stack):
    environ = RequestFactory().get("/accounts/login/").environ
    status, _, _ = call(broken_staff_stack, environ)
    assert status == 500  # the failing middleware ran: the site's stack is the full one


def test_the_webhook_stack_refuses_a_forged_text():
    params, environ = text()
    environ["HTTP_X_TWILIO_SIGNATURE"] = "bm90IGEgc2lnbmF0dXJl"
    status, _, body = call(wsgi_application(), environ)
    assert (status, body) == (403, b"invalid signature")
    assert not InboundMessage.objects.filter(message_sid=params["MessageSid"]).exists()


def test_the_webhook_stack_still_checks_the_host_and_sets_security_headers():
    _, environ = text(HTTP_HOST="attacker.example")
    status, _, _ = call(wsgi_application(), environ)
    assert status == 400
    assert not InboundMessage.objects.exists()
    _, environ = text()
    status, headers, _ = call(wsgi_application(), environ)
    assert status == 200
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_a_webhook_answer_sets_no_cookie_and_varies_on_none():
    _, environ = text()
    status, headers, _ = call(wsgi_application(), environ)
    assert status == 200
    assert "Set-Cookie" not in headers
    assert "Vary" not in headers


def test_building_the_webhook_stack_leaves_the_middleware_setting_alone():
    before = list(settings.MIDDLEWARE)
    app = wsgi_application()
    after = list(settings.MIDDLEWARE)
    assert after == before
    assert app.prefix == "/webhooks/"
