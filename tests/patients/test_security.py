"""Sign-in and session security: throttling, idle sign-out, two-factor, roles as groups, and a
production configuration that `manage.py check --deploy` finds nothing to say about."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import AuditEvent, ClinicMembership, Role
from patients.permissions import (
    LAST_ACTIVITY_KEY,
    ROLE_GROUPS,
    role_groups_sync,
    user_has_clinic_perm,
    user_sync_groups,
)

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pw-for-tests-1"


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


# --- throttling (issue 20.6: no stranger can lock a named clinician out from everywhere) ---------
STRANGER = "203.0.113.66"
CLINIC = "198.51.100.10"


def test_a_strangers_guesses_pause_the_username_only_from_the_strangers_address(
    client, alice, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(Client(), "alice", "wrong", REMOTE_ADDR=STRANGER).status_code == 200
    assert sign_in(Client(), "alice", "wrong", REMOTE_ADDR=STRANGER).status_code == 429

    # The stranger is paused even with the right password ...
    paused = sign_in(Client(), "alice", PASSWORD, REMOTE_ADDR=STRANGER)
    assert paused.status_code == 429 and "Sign-in paused" in paused.content.decode()
    # ... and alice signs in from the clinic.
    assert sign_in(client, "alice", PASSWORD, REMOTE_ADDR=CLINIC).status_code == 302
    assert "_auth_user_id" in client.session
    assert (
        AuditEvent.objects.filter(action="login_failed", username="alice").count()
        >= settings.AXES_FAILURE_LIMIT
    )


def test_guesses_spread_over_many_addresses_do_not_lock_the_clinician_out(client, alice, settings):
    for number in range(3 * settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "alice", "wrong", REMOTE_ADDR=f"203.0.113.{number + 1}")

    assert sign_in(client, "alice", PASSWORD, REMOTE_ADDR=CLINIC).status_code == 302


def test_behind_the_proxy_a_stranger_does_not_lock_out_the_clinic(client, alice, settings):
    # The documented deployment: one proxy, its address on every socket.
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        sign_in(Client(), "alice", "wrong", HTTP_X_FORWARDED_FOR=STRANGER, **proxy)

    assert sign_in(client, "alice", HTTP_X_FORWARDED_FOR=CLINIC, **proxy).status_code == 302


def test_many_usernames_from_one_address_pause_that_address(alice, bob, settings):
    # Password spraying: one guess for each of many usernames from one address.
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        answer = sign_in(Client(), f"user{number}", "wrong", REMOTE_ADDR=STRANGER)
        assert answer.status_code == 200
    assert sign_in(Client(), "someone", "wrong", REMOTE_ADDR=STRANGER).status_code == 429

    assert sign_in(Client(), "bob", PASSWORD, REMOTE_ADDR=STRANGER).status_code == 429
    # The same users elsewhere sign in.
    assert sign_in(Client(), "bob", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302
    assert sign_in(Client(), "alice", PASSWORD, REMOTE_ADDR="198.51.100.2").status_code == 302


def test_the_address_threshold_is_higher_than_the_username_one(alice, bob, settings):
    # A clinic's shared address: a few typos by each of two nurses do not pause the clinic.
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > 2 * settings.AXES_FAILURE_LIMIT
    for user in ("alice", "bob"):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            sign_in(Client(), user, "wrong", REMOTE_ADDR=CLINIC)
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), f"typo{number}", "wrong", REMOTE_ADDR=CLINIC)

    assert sign_in(Client(), "alice", PASSWORD, REMOTE_ADDR=CLINIC).status_code == 302
    assert sign_in(Client(), "bob", PASSWORD, REMOTE_ADDR=CLINIC).status_code == 302


def test_an_admin_command_lifts_a_username_pause(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "alice", "wrong", REMOTE_ADDR="203.0.113.5")
    assert sign_in(Client(), "alice", REMOTE_ADDR="203.0.113.5").status_code == 429

    from django.core.management import call_command

    call_command("axes_reset_username", "alice")

    assert sign_in(client, "alice", REMOTE_ADDR="203.0.113.5").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong")
    assert sign_in(client, "alice").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "alice", "wrong")

    assert sign_in(client, "alice").status_code == 302


def test_authentication_without_a_request_still_works_for_scripts_and_tests(alice):
    assert authenticate(username="alice", password=PASSWORD) == alice
    assert authenticate(username="alice", password="wrong") is None


def test_the_login_form_needs_its_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)

    assert sign_in(client, "alice").status_code == 403


# --- idle sign-out --------------------------------------------------------------------------------
def _age_session(client: Client, seconds: float) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds
    session.save()


def test_an_idle_session_is_signed_out(client, alice, settings):
    sign_in(client, "alice")
    assert client.get("/queue/").status_code == 200
    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 5)

    response = client.get("/queue/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?idle=1&next=/queue/")
    assert client.get("/queue/").status_code == 302  # really signed out
    logout = AuditEvent.objects.filter(action="logout").latest("id")
    assert logout.username == "alice" and logout.detail == {"reason": "idle"}
    assert (
        "signed out after a period without activity"
        in client.get(response["Location"]).content.decode()
    )


def test_the_queues_background_refresh_does_not_keep_a_session_alive(client, alice, settings):
    sign_in(client, "alice")
    _age_session(client, settings.SESSION_IDLE_TIMEOUT - 30)
    before = client.session[LAST_ACTIVITY_KEY]

    assert client.get("/queue/rows/", HTTP_X_BACKGROUND_REFRESH="1").status_code == 200
    assert client.session[LAST_ACTIVITY_KEY] == before

    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 1)
    expired = client.get("/queue/rows/", HTTP_X_BACKGROUND_REFRESH="1")
    assert expired.status_code == 401 and expired.json()["reason"] == "idle"


def test_a_person_at_the_screen_keeps_the_session(client, alice, settings):
    sign_in(client, "alice")
    _age_session(client, settings.SESSION_IDLE_TIMEOUT - 30)

    client.get("/queue/")

    assert time.time() - client.session[LAST_ACTIVITY_KEY] < 5


def test_session_cookies_are_httponly_and_end_with_the_browser(client, alice):
    response = sign_in(client, "alice")

    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]  # SESSION_EXPIRE_AT_BROWSER_CLOSE


# --- two-factor -----------------------------------------------------------------------------------
def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


@pytest.fixture
def alice_2fa(alice):
    return TOTPDevice.objects.create(user=alice, name="phone", confirmed=True)


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp slows down guessing (each failure doubles the wait); these tests fail on purpose
    and then succeed at once, so they switch the delay off. Its effect is tested on its own."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_guessing_codes_is_slowed_down(client, alice_2fa):
    sign_in(client, "alice")
    for _ in range(3):
        client.post("/accounts/two-factor/verify/", {"token": "000000"})

    right_but_too_soon = client.post("/accounts/two-factor/verify/", {"token": _code(alice_2fa)})

    assert right_but_too_soon.status_code == 400
    assert client.get("/queue/").status_code == 302


def test_a_user_with_a_device_must_enter_a_code_after_the_password(
    client, alice_2fa, no_otp_throttle
):
    sign_in(client, "alice")

    held = client.get("/queue/")
    assert (
        held.status_code == 302 and held["Location"] == "/accounts/two-factor/verify/?next=/queue/"
    )
    assert client.get("/queue/rows/", HTTP_X_BACKGROUND_REFRESH="1").status_code == 401

    wrong = client.post(
        "/accounts/two-factor/verify/?next=/queue/", {"token": "000000", "next": "/queue/"}
    )
    assert wrong.status_code == 400 and "not valid" in wrong.content.decode()

    right = client.post(
        "/accounts/two-factor/verify/", {"token": _code(alice_2fa), "next": "/queue/"}
    )
    assert right.status_code == 302 and right["Location"] == "/queue/"
    assert client.get("/queue/").status_code == 200


def test_a_code_cannot_be_used_twice(client, alice, alice_2fa):
    code = _code(alice_2fa)
    sign_in(client, "alice")
    client.post("/accounts/two-factor/verify/", {"token": code})
    client.post("/accounts/logout/")

    other = Client()
    sign_in(other, "alice")
    replay = other.post("/accounts/two-factor/verify/", {"token": code})

    assert replay.status_code == 400


def test_setting_up_two_factor_needs_a_working_code(client, alice, no_otp_throttle):
    sign_in(client, "alice")
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode() and page.context["secret"]
    device = TOTPDevice.objects.get(user=alice, confirmed=False)

    bad = client.post("/accounts/two-factor/", {"action": "enable", "token": "123456"})
    assert bad.status_code == 400
    device.refresh_from_db()
    assert not device.confirmed

    good = client.post(
        "/accounts/two-factor/", {"action": "enable", "token": _code(device), "next": "/queue/"}
    )
    assert good.status_code == 302 and good["Location"] == "/queue/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/queue/").status_code == 200  # verified in this session already
    assert AuditEvent.objects.filter(
        action="two_factor", username="alice", detail={"enabled": True}
    ).exists()


def test_turning_two_factor_off_needs_a_current_code(client, alice, alice_2fa, no_otp_throttle):
    sign_in(client, "alice")
    client.post("/accounts/two-factor/verify/", {"token": _code(alice_2fa)})

    refused = client.post("/accounts/two-factor/", {"action": "disable", "token": "999999"})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user=alice).exists()

    alice_2fa.refresh_from_db()
    done = client.post(
        "/accounts/two-factor/", {"action": "disable", "token": _code(alice_2fa, offset=1)}
    )
    assert done.status_code == 302 and not TOTPDevice.objects.filter(user=alice).exists()


def test_when_required_a_user_without_a_device_is_sent_to_set_one_up(client, alice, settings):
    settings.STAFF_REQUIRE_2FA = True
    sign_in(client, "alice")

    response = client.get("/queue/")

    assert (
        response.status_code == 302 and response["Location"] == "/accounts/two-factor/?next=/queue/"
    )
    assert client.get("/accounts/two-factor/").status_code == 200


# --- roles, groups and permissions ----------------------------------------------------------------
def test_each_role_is_a_group_with_its_permissions():
    groups = role_groups_sync()
    role_groups_sync()  # idempotent

    assert Group.objects.filter(name__in=ROLE_GROUPS.values()).count() == 3
    nurse = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in groups[Role.TRIAGE_NURSE].permissions.all()
    }
    physician = {
        f"{p.content_type.app_label}.{p.codename}" for p in groups[Role.PHYSICIAN].permissions.all()
    }
    admin = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in groups[Role.CLINIC_ADMIN].permissions.all()
    }
    assert {
        "patients.view_patient",
        "followup.act_on_escalation",
        "followup.add_worklistcall",
    } <= nurse
    assert (
        "followup.add_worklistcall" not in physician and "followup.act_on_escalation" in physician
    )
    assert {
        "patients.view_auditevent",
        "patients.export_auditevent",
        "followup.change_escalationchain",
    } <= admin
    assert "patients.view_auditevent" not in nurse


def test_signing_in_puts_the_user_in_the_groups_of_their_roles(client, clinic, other_clinic, alice):
    MembershipFactory(user=alice, clinic=other_clinic, role=Role.CLINIC_ADMIN)
    alice.groups.add(Group.objects.create(name="Fire wardens"))

    sign_in(client, "alice")

    assert set(alice.groups.values_list("name", flat=True)) == {
        "Triage nurses",
        "Clinic admins",
        "Fire wardens",
    }
    ClinicMembership.objects.filter(user=alice, clinic=other_clinic).update(is_active=False)
    assert user_sync_groups(user=alice) == ["Triage nurses"]


def test_permissions_are_per_clinic(clinic, other_clinic, alice):
    MembershipFactory(user=alice, clinic=other_clinic, role=Role.CLINIC_ADMIN)

    assert not user_has_clinic_perm(alice, "patients.view_auditevent", clinic)
    assert user_has_clinic_perm(alice, "patients.view_auditevent", other_clinic)
    inactive = UserFactory(username="gone", is_active=False)
    MembershipFactory(user=inactive, clinic=clinic, role=Role.CLINIC_ADMIN)
    assert not user_has_clinic_perm(inactive, "patients.view_patient", clinic)


# --- production settings --------------------------------------------------------------------------
def test_production_settings_pass_the_deploy_check():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "followup.example.org",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        # Behind the documented proxy (patients.W001 warns when this is left at 0).
        "TRUSTED_PROXY_HOPS": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {"DJANGO_SETTINGS_MODULE": "config.settings.production", "ALLOWED_HOSTS": "x.example"}
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
