"""Issue 20.8 / 20.7: the password-reset flow is throttled per address and per account, audited
at each step, and its links last an hour. Real POSTs through the real views; emails land in
Django's locmem outbox."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator, default_token_generator
from django.core import mail
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from patients.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/accounts/password_reset/"


@pytest.fixture
def alice_mail(alice):
    alice.email = "alice@clinic.example"
    alice.save(update_fields=["email"])
    return alice


def _ask(email: str, ip: str = "198.51.100.7"):
    return Client().post(URL, {"email": email}, REMOTE_ADDR=ip)


def test_a_reset_request_sends_a_link_and_is_audited_with_the_user(alice_mail):
    answer = _ask("alice@clinic.example")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/password_reset/done/"
    assert len(mail.outbox) == 1
    [event] = AuditEvent.objects.filter(action="password_reset")
    assert event.user_id == alice_mail.pk and event.detail == {"step": "requested", "sent": True}
    assert event.ip == "198.51.100.7"
    assert "alice@clinic.example" not in str(event.detail) + event.path


def test_an_unknown_address_gets_the_same_answer_and_an_audit_row(alice_mail):
    answer = _ask("nobody@clinic.example")

    assert answer.status_code == 302 and answer["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []
    [event] = AuditEvent.objects.filter(action="password_reset")
    assert event.user_id is None and event.detail["sent"] is False


def test_one_address_cannot_send_more_than_its_hourly_limit(alice_mail, settings):
    for n in range(settings.PASSWORD_RESET_ADDRESS_LIMIT):
        _ask(f"someone{n}@example.org", ip="203.0.113.40")

    refused = _ask("alice@clinic.example", ip="203.0.113.40")

    assert refused.status_code == 302 and refused["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []
    event = AuditEvent.objects.filter(action="password_reset").latest("id")
    assert event.user_id == alice_mail.pk and event.detail["sent"] is False
    # Someone else, elsewhere, still gets their email.
    _ask("alice@clinic.example", ip="198.51.100.8")
    assert len(mail.outbox) == 1


def test_one_account_gets_at_most_its_hourly_limit_from_many_addresses(alice_mail, settings):
    for n in range(settings.PASSWORD_RESET_ACCOUNT_LIMIT + 2):
        _ask("alice@clinic.example", ip=f"203.0.113.{n + 1}")

    assert len(mail.outbox) == settings.PASSWORD_RESET_ACCOUNT_LIMIT


def test_completing_a_reset_is_audited(alice_mail):
    _ask("alice@clinic.example")
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200

    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-New-passphrase-42", "new_password2": "a-New-passphrase-42"},
    )

    assert done.status_code == 302
    alice_mail.refresh_from_db()
    assert alice_mail.check_password("a-New-passphrase-42")
    event = AuditEvent.objects.filter(action="password_reset").latest("id")
    assert event.user_id == alice_mail.pk and event.detail == {"step": "completed"}


def test_a_link_is_valid_for_an_hour_only(alice_mail, settings, monkeypatch):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    import datetime as dt

    real_now = PasswordResetTokenGenerator._now
    made_at = real_now(default_token_generator) - dt.timedelta(minutes=61)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: made_at)
    token = default_token_generator.make_token(alice_mail)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", real_now)
    uid = urlsafe_base64_encode(force_bytes(alice_mail.pk))

    page = Client().get(f"/accounts/reset/{uid}/{token}/", follow=True)

    assert page.status_code == 200
    assert page.context["validlink"] is False
