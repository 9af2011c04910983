"""Issue 20.5, safe defaults: no entry point starts without naming its settings, the demo's
phone simulator and clock need a signed-in staff user, the clock's ``next`` stays on this site,
and ``check --deploy`` warns when a proxy's address would stand for every client."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from followup import clock
from notifications.models import InboundMessage
from tests.factories import PatientFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _without_settings() -> dict:
    return {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


# --- entry points -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["manage.py", "check"], id="manage.py"),
        pytest.param(["-c", "import config.wsgi"], id="config.wsgi"),
        pytest.param(["-c", "import config.celery"], id="config.celery"),
        pytest.param(["-m", "celery", "-A", "config", "report"], id="celery -A config"),
    ],
)
def test_it_refuses_to_start_without_naming_the_settings(args):
    result = _run([sys.executable, *args], _without_settings())

    assert result.returncode != 0
    assert "DJANGO_SETTINGS_MODULE is not set" in result.stdout + result.stderr


def test_an_empty_settings_variable_is_refused_too():
    result = _run(
        [sys.executable, "manage.py", "check"],
        {**_without_settings(), "DJANGO_SETTINGS_MODULE": ""},
    )

    assert result.returncode != 0 and "DJANGO_SETTINGS_MODULE is not set" in result.stderr


def test_named_settings_still_start():
    result = _run([sys.executable, "manage.py", "check"], dict(os.environ))

    assert result.returncode == 0, result.stdout + result.stderr


# --- the demo's simulator and clock -----------------------------------------------------------
@pytest.fixture
def demo(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.BASE_DIR = tmp_path  # the clock file lives under BASE_DIR/var
    yield settings
    clock.reset()


@pytest.mark.django_db
def test_a_stranger_is_sent_to_sign_in_even_in_the_demo(demo, clinic):
    patient = PatientFactory(clinic=clinic, phone="+15125550123")
    stranger = Client()
    before = clock.offset()

    answers = [
        stranger.get("/demo/phone/"),
        stranger.get(f"/demo/phone/{patient.phone}/"),
        stranger.post(f"/demo/phone/{patient.phone}/reply/", {"body": "STOP"}),
        stranger.post("/demo/clock/", {"by": "3m"}),
    ]

    for answer in answers:
        assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert not InboundMessage.objects.exists()
    assert clock.offset() == before


@pytest.mark.django_db
def test_a_signed_in_user_without_a_clinic_role_is_refused(demo, clinic):
    patient = PatientFactory(clinic=clinic, phone="+15125550124")
    client = Client()
    client.force_login(UserFactory(username="mallory"))

    assert client.get("/demo/phone/").status_code == 403
    assert client.get(f"/demo/phone/{patient.phone}/").status_code == 403
    assert client.post("/demo/clock/", {"by": "1d"}).status_code == 403


@pytest.mark.django_db
def test_clinic_staff_use_the_simulator_in_the_demo(demo, client, clinic, alice):
    patient = PatientFactory(clinic=clinic, phone="+15125550125")
    client.force_login(alice)

    assert client.get("/demo/phone/").status_code == 200
    assert client.get(f"/demo/phone/{patient.phone}/").status_code == 200


@pytest.mark.django_db
def test_outside_the_demo_a_signed_in_user_still_gets_404(client, alice):
    client.force_login(alice)

    assert client.get("/demo/phone/").status_code == 404
    assert client.post("/demo/clock/", {"by": "1d"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/login",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "\\\\evil.example",
    ],
)
def test_the_demo_clock_does_not_redirect_off_site(demo, client, alice, target):
    client.force_login(alice)

    answer = client.post("/demo/clock/", {"by": "1d", "next": target})

    assert answer.status_code == 302 and answer["Location"] == "/demo/phone/"


@pytest.mark.django_db
def test_the_demo_clock_returns_to_a_page_of_this_site(demo, client, alice):
    client.force_login(alice)

    answer = client.post("/demo/clock/", {"by": "1d", "next": "/queue/?tier=URGENT"})

    assert answer.status_code == 302 and answer["Location"] == "/queue/?tier=URGENT"


# --- check --deploy and the proxy ---------------------------------------------------------------
def _deploy_check(**extra: str) -> subprocess.CompletedProcess:
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXY_HOPS"}
        },
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "followup.example.org",
        **extra,
    }
    return _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def test_the_deploy_check_warns_when_every_client_would_get_the_proxys_address():
    result = _deploy_check()

    assert result.returncode != 0
    assert "patients.W001" in result.stdout + result.stderr
    assert "TRUSTED_PROXY_HOPS" in result.stdout + result.stderr


def test_the_deploy_check_is_quiet_with_the_proxy_counted():
    result = _deploy_check(TRUSTED_PROXY_HOPS="1")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "patients.W001" not in result.stdout + result.stderr
