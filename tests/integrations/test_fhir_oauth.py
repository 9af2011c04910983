"""OAuth2 client credentials for /fhir/: the token endpoint, hashed secrets, short-lived bearer
tokens scoped to the clinics of the client's service user, revocation and bad input."""

from __future__ import annotations

import base64
import json
import time
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from integrations.fhir.oauth import fhir_client_create
from integrations.models import FhirClient
from patients.models import AuditEvent

from ..followup.outcomes_data import patient_enrolled

pytestmark = pytest.mark.django_db

TOKEN_URL = "/fhir/auth/token"


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.FHIR_OAUTH_TOKEN_SECONDS = 300
    cache.clear()  # the token endpoint's failure counts (per address) live in the cache


@pytest.fixture
def engine(alice):
    return fhir_client_create(name="Northside engine", user=alice)


def token(client_id: str, secret: str, **extra) -> tuple[int, dict]:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    response = APIClient().post(TOKEN_URL, {**data, **extra})
    return response.status_code, json.loads(response.content)


def bearer(access: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return api


def test_a_client_gets_a_short_lived_token_scoped_to_its_clinics(
    engine, clinic, other_clinic, bob, charlie
):
    client, secret = engine
    ours = patient_enrolled(clinic, bob, procedure="VA", mrn="MRN-O")
    patient_enrolled(other_clinic, charlie, procedure="VA", mrn="MRN-X")
    status, body = token(client.client_id, secret)
    assert status == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    response = bearer(body["access_token"]).get("/fhir/Patient")
    assert response.status_code == 200
    bundle = json.loads(response.content)
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(ours.patient_id)]
    # Audited as the client's service user.
    assert AuditEvent.objects.filter(user=client.user, object_type="fhir:Patient").exists()


def test_http_basic_credentials_work_too(engine):
    client, secret = engine
    basic = base64.b64encode(f"{client.client_id}:{secret}".encode()).decode()
    response = APIClient().post(
        TOKEN_URL, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_the_secret_is_stored_hashed(engine):
    client, secret = engine
    stored = FhirClient.objects.get(pk=client.pk).secret_hash
    assert secret not in stored and stored.startswith(("pbkdf2_", "argon2", "bcrypt", "md5"))


@pytest.mark.parametrize(
    "change, status, error",
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nope"}, 401, "invalid_client"),
        ({"client_secret": ""}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_bad_requests_get_no_token(engine, change, status, error):
    client, secret = engine
    data = {
        "grant_type": "client_credentials",
        "client_id": client.client_id,
        "client_secret": secret,
    }
    response = APIClient().post(TOKEN_URL, {**data, **change})
    assert response.status_code == status
    body = json.loads(response.content)
    assert body == {"error": error}


def test_get_is_not_allowed(engine):
    assert APIClient().get(TOKEN_URL).status_code == 405


def test_an_expired_forged_or_revoked_token_is_refused(engine, settings):
    client, secret = engine
    _, body = token(client.client_id, secret)
    access = body["access_token"]
    assert bearer(access).get("/fhir/Patient").status_code == 200
    settings.FHIR_OAUTH_TOKEN_SECONDS = 1
    time.sleep(2.1)  # signing timestamps are whole seconds
    response = bearer(access).get("/fhir/Patient")
    assert response.status_code == 401
    assert json.loads(response.content)["resourceType"] == "OperationOutcome"
    settings.FHIR_OAUTH_TOKEN_SECONDS = 300
    assert bearer(access[:-2] + "xx").get("/fhir/Patient").status_code == 401
    assert bearer("garbage").get("/fhir/Patient").status_code == 401
    # Rotating the secret ends the old tokens at once; so does deactivating the client.
    FhirClient.objects.filter(pk=client.pk).update(secret_hash="pbkdf2_sha256$1$x$y")
    assert bearer(access).get("/fhir/Patient").status_code == 401
    _, fresh = token(client.client_id, secret)
    assert fresh == {"error": "invalid_client"}


def test_a_deactivated_client_or_user_is_refused(engine):
    client, secret = engine
    _, body = token(client.client_id, secret)
    client.user.is_active = False
    client.user.save()
    assert bearer(body["access_token"]).get("/fhir/Patient").status_code == 401
    assert token(client.client_id, secret)[0] == 401
    client.user.is_active = True
    client.user.save()
    FhirClient.objects.filter(pk=client.pk).update(is_active=False)
    assert bearer(body["access_token"]).get("/fhir/Patient").status_code == 401


def test_the_command_prints_the_secret_once_and_keeps_its_hash(alice):
    out = StringIO()
    call_command("fhir_client_create", "Engine", "--user", "alice", stdout=out)
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)
    client = FhirClient.objects.get(client_id=lines["client_id"])
    assert client.user == alice and lines["client_secret"] not in client.secret_hash
    assert token(client.client_id, lines["client_secret"])[0] == 200


def test_the_capability_statement_names_the_token_endpoint():
    body = json.loads(APIClient().get("/fhir/metadata").content)
    security = body["rest"][0]["security"]
    assert "http://testserver/fhir/auth/token" in security["service"][0]["text"]
    assert {c["code"] for c in security["service"][0]["coding"]} == {"Basic", "OAuth"}


# --------------------------------------------------------------------------- failure throttle
# Each attempt costs a password hash: a loop of bad secrets from one address is paused (429,
# Retry-After) before any hashing, while other addresses and the window's end are unaffected.


def _from(ip: str, client_id: str, secret: str) -> tuple[int, dict, str | None]:
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    response = APIClient().post(TOKEN_URL, data, REMOTE_ADDR=ip)
    return response.status_code, json.loads(response.content), response.get("Retry-After")


def test_repeated_failures_from_one_address_are_paused_before_hashing(engine, settings):
    settings.FHIR_TOKEN_FAILURE_LIMIT = 3
    settings.FHIR_TOKEN_FAILURE_WINDOW = 600
    client, secret = engine
    for _ in range(3):
        assert _from("203.0.113.9", client.client_id, "wrong")[:2] == (
            401,
            {"error": "invalid_client"},
        )
    status, body, retry = _from("203.0.113.9", client.client_id, "wrong")
    assert (status, body, retry) == (429, {"error": "slow_down"}, "600")
    # Paused means paused: even the right secret from that address waits out the window.
    assert _from("203.0.113.9", client.client_id, secret)[0] == 429
    # Another address (the hospital's engine) is not affected by the stranger's loop.
    status, body, _ = _from("198.51.100.7", client.client_id, secret)
    assert status == 200 and body["token_type"] == "Bearer"


def test_missing_credentials_and_unknown_ids_count_too(engine, settings):
    settings.FHIR_TOKEN_FAILURE_LIMIT = 2
    client, _secret = engine
    assert _from("203.0.113.10", "", "")[0] == 401
    assert _from("203.0.113.10", "no-such-client", "x")[0] == 401
    assert _from("203.0.113.10", client.client_id, "wrong")[0] == 429


def test_good_requests_are_never_counted(engine, settings):
    settings.FHIR_TOKEN_FAILURE_LIMIT = 2
    client, secret = engine
    for _ in range(5):
        assert _from("203.0.113.11", client.client_id, secret)[0] == 200
    assert _from("203.0.113.11", client.client_id, "wrong")[0] == 401


def test_the_pause_ends_with_its_window(engine, settings):
    settings.FHIR_TOKEN_FAILURE_LIMIT = 1
    settings.FHIR_TOKEN_FAILURE_WINDOW = 1
    client, secret = engine
    assert _from("203.0.113.12", client.client_id, "wrong")[0] == 401
    assert _from("203.0.113.12", client.client_id, secret)[0] == 429
    time.sleep(1.2)
    assert _from("203.0.113.12", client.client_id, secret)[0] == 200


def test_a_limit_of_zero_turns_the_throttle_off(engine, settings):
    settings.FHIR_TOKEN_FAILURE_LIMIT = 0
    client, secret = engine
    for _ in range(4):
        assert _from("203.0.113.13", client.client_id, "wrong")[0] == 401
    assert _from("203.0.113.13", client.client_id, secret)[0] == 200
