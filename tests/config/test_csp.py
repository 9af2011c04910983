"""Issue 20.8: a Content-Security-Policy on the staff pages, and pages that keep to it (no inline
script, no style attribute, inline blocks only with the request's nonce)."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from followup import clock
from tests.factories import PatientFactory, enroll
from tests.survey_helpers import SMS_URL, form, new_sid, sign

pytestmark = pytest.mark.django_db


class _Inline(HTMLParser):
    """Collects what a strict policy would block: style attributes, on* handlers, javascript:
    URLs, and <script>/<style> blocks without the nonce."""

    def __init__(self, nonce: str) -> None:
        super().__init__()
        self.nonce = nonce
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:>")
        inline_script = tag == "script" and "src" not in attrs
        if (inline_script or tag == "style") and attrs.get("nonce") != self.nonce:
            self.problems.append(f"<{tag}> without the nonce")


def _nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy and "'unsafe-inline'" not in policy
    return re.search(r"'nonce-([^']+)'", policy).group(1)


def _inline_problems(response) -> list[str]:
    parser = _Inline(_nonce(response))
    parser.feed(response.content.decode())
    return parser.problems


@pytest.fixture
def staff_pages(client, alice, bob, clinic):
    patient = PatientFactory(clinic=clinic, phone="+15125550181")
    enrollment = enroll(
        patient=patient, physician=bob, performed_on=dt.date.today() - dt.timedelta(days=20)
    )
    client.force_login(bob)
    return [
        "/queue/",
        "/patients/?q=Ruiz",
        f"/patients/{patient.pk}/",
        "/worklists/missed/",
        "/enroll/",
        "/outcomes/",
        "/outcomes/patients/",
        f"/outcomes/enrollments/{enrollment.pk}/",
        "/accounts/two-factor/",
    ]


def test_every_staff_page_sends_the_policy_and_keeps_to_it(client, staff_pages):
    for url in staff_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_problems(response) == [], url


def test_the_sign_in_page_and_the_admin_keep_to_it(client, admin_user):
    assert _inline_problems(client.get("/accounts/login/")) == []
    client.force_login(admin_user)
    for url in ("/admin/", "/admin/patients/patient/", "/admin/patients/patient/add/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _inline_problems(response) == [], url


def test_each_request_gets_a_fresh_nonce(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")

    assert _nonce(first) != _nonce(second)


def test_the_simulators_style_block_carries_the_nonce(client, alice, clinic, settings, tmp_path):
    settings.DEMO_MODE = True
    settings.BASE_DIR = tmp_path
    patient = PatientFactory(clinic=clinic, phone="+15125550182")
    client.force_login(alice)
    try:
        response = client.get(f"/demo/phone/{patient.phone}/")
    finally:
        clock.reset()

    assert response.status_code == 200
    assert _inline_problems(response) == []
    assert f'<style nonce="{_nonce(response)}">' in response.content.decode()


def test_webhook_answers_are_not_html_and_get_no_policy(client):
    params = {"MessageSid": new_sid(), "From": "+15125550183", "To": "+15005550006", "Body": "x"}

    response = client.post(SMS_URL, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(SMS_URL, params))

    assert response.status_code == 200
    assert "Content-Security-Policy" not in response


def test_error_pages_get_the_policy_unless_they_are_debugs_technical_ones(client, settings):
    assert "Content-Security-Policy" in client.get("/no-such-page/")
    settings.DEBUG = True

    assert "Content-Security-Policy" not in client.get("/no-such-page/")
