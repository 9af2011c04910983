"""Staff single sign-on against a local OpenID Connect provider stub (an HTTP server on
127.0.0.1 issuing ID tokens signed RS256 with a key it publishes as JWKS), through
mozilla-django-oidc's real authorization-code flow (with PKCE and nonce)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model

from patients.models import AuditEvent, ClinicMembership, Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID = "spine-followup"


class Provider:
    """A minimal OpenID provider: /token, /userinfo, /jwks."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.signing_key = self.key  # a test may swap in a key the JWKS does not publish
        self.claims: dict = {}
        self.id_token_overrides: dict = {}
        self.nonce = ""
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, body: dict, status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                assert form["grant_type"] == ["authorization_code"] and form["code"] == ["the-code"]
                assert form["client_id"] == [CLIENT_ID] and form["code_verifier"][0]
                self._json(
                    {
                        "access_token": "at-1",
                        "token_type": "Bearer",
                        "id_token": provider.id_token(),
                    }
                )

            def do_GET(self):  # noqa: N802
                if self.path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
                    self._json({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
                elif self.path == "/userinfo":
                    assert self.headers["Authorization"] == "Bearer at-1"
                    self._json(provider.claims)
                else:
                    self._json({}, 404)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def id_token(self) -> str:
        now = int(time.time())
        payload = {
            "iss": self.base,
            "sub": self.claims["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce,
            **self.id_token_overrides,
        }
        return jwt.encode(payload, self.signing_key, algorithm="RS256", headers={"kid": "k1"})

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def idp(settings, clinic, other_clinic):
    provider = Provider()
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    settings.OIDC_ISSUER = provider.base
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.base}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.base}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.base}/jwks"
    settings.OIDC_GROUP_ROLES = json.dumps(
        {
            "austin-nurses": ["spine-austin", "triage_nurse"],
            "austin-admins": ["spine-austin", "clinic_admin"],
            "boston-doctors": ["spine-boston", "physician"],
        }
    )
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "integrations.sso.backend.ClinicOIDCBackend",
    ]
    yield provider
    provider.stop()


def sign_in(client, provider: Provider, **claims):
    provider.claims = {
        "sub": "idp-123",
        "preferred_username": "nina",
        "email": "nina@example.org",
        **claims,
    }
    start = client.get("/oidc/authenticate/", {"next": "/queue/"})
    assert start.status_code == 302
    redirect = urlparse(start["Location"])
    assert f"{redirect.scheme}://{redirect.netloc}{redirect.path}" == f"{provider.base}/authorize"
    params = parse_qs(redirect.query)
    assert params["code_challenge_method"] == ["S256"]
    provider.nonce = params["nonce"][0]
    return client.get("/oidc/callback/", {"code": "the-code", "state": params["state"][0]})


def test_an_idp_user_signs_in_with_the_roles_of_their_groups(client, idp, clinic, other_clinic):
    response = sign_in(client, idp, groups=["austin-nurses", "boston-doctors", "unrelated"])
    assert response.status_code == 302 and response["Location"] == "/queue/"
    user = get_user_model().objects.get(username="nina")
    assert not user.has_usable_password() and user.sso_identity.subject == "idp-123"
    roles = set(
        ClinicMembership.objects.filter(user=user, is_active=True).values_list(
            "clinic__slug", "role"
        )
    )
    assert roles == {("spine-austin", Role.TRIAGE_NURSE), ("spine-boston", Role.PHYSICIAN)}
    assert sorted(user.groups.values_list("name", flat=True)) == ["Physicians", "Triage nurses"]
    assert client.get("/queue/").status_code == 200
    assert AuditEvent.objects.filter(action="login", user=user).exists()


def test_roles_follow_the_idp_groups_at_each_sign_in(client, idp, clinic):
    sign_in(client, idp, groups=["austin-nurses", "boston-doctors"])
    client.logout()
    sign_in(client, idp, groups=["austin-admins"])
    user = get_user_model().objects.get(username="nina")
    active = set(
        ClinicMembership.objects.filter(user=user, is_active=True).values_list(
            "clinic__slug", "role"
        )
    )
    assert active == {("spine-austin", Role.CLINIC_ADMIN)} and user.is_staff
    assert get_user_model().objects.filter(username="nina").count() == 1


@pytest.mark.parametrize(
    "attack",
    [
        "no_mapped_group",
        "wrong_key",
        "wrong_audience",
        "wrong_issuer",
        "expired",
        "other_subject",
        "local_name",
    ],
)
def test_it_refuses_what_it_must(client, idp, attack):
    claims = {"groups": ["austin-nurses"]}
    if attack == "no_mapped_group":
        claims = {"groups": ["unrelated"]}
    elif attack == "wrong_key":
        idp.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif attack == "wrong_audience":
        idp.id_token_overrides = {"aud": "another-app"}
    elif attack == "wrong_issuer":
        idp.id_token_overrides = {"iss": "https://evil.example"}
    elif attack == "expired":
        idp.id_token_overrides = {"exp": int(time.time()) - 60}
    elif attack == "other_subject":
        idp.id_token_overrides = {"sub": "someone-else"}
    elif attack == "local_name":
        UserFactory(username="nina")
    response = sign_in(client, idp, **claims)
    # A bad token is a SuspiciousOperation (400); claims we refuse go back to the login page.
    token_level = attack in ("wrong_key", "wrong_audience", "wrong_issuer", "expired")
    if token_level:
        assert response.status_code == 400
    else:
        assert (
            response.status_code == 302 and response["Location"] == "/accounts/login/?sso_failed=1"
        )
    assert not get_user_model().objects.filter(sso_identity__isnull=False).exists()
    assert "_auth_user_id" not in client.session


def test_local_passwords_still_work_and_sso_is_off_when_not_configured(client, alice, settings):
    alice.set_password("a-long-local-password")
    alice.save()
    assert (
        client.post(
            "/accounts/login/", {"username": "alice", "password": "a-long-local-password"}
        ).status_code
        == 302
    )
    assert client.session["_auth_user_id"] == str(alice.pk)
    settings.OIDC_RP_CLIENT_ID = ""
    assert client.get("/oidc/authenticate/").status_code == 404
