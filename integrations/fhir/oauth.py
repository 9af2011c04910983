"""OAuth2 client credentials for /fhir/ (RFC 6749 section 4.4): a short-lived bearer token.

``POST /fhir/auth/token`` with ``grant_type=client_credentials`` and the client's id and secret
(HTTP Basic, or ``client_id`` / ``client_secret`` in the form body) answers
``{"access_token", "token_type": "Bearer", "expires_in"}``. The token is signed (Django's
``signing`` with ``SECRET_KEY``), not stored: it names the client and a fingerprint of its secret
hash, and lives ``FHIR_OAUTH_TOKEN_SECONDS``. Every request re-reads the client, so deactivating
it, or rotating its secret, ends its tokens at once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from patients.client_address import client_ip

from ..models import FhirClient
from .token_throttle import token_failure_record, token_failures_paused

_SALT = "integrations.fhir.oauth"


def _fingerprint(client: FhirClient) -> str:
    return hashlib.sha256(client.secret_hash.encode()).hexdigest()[:16]


def fhir_client_create(*, name: str, user) -> tuple[FhirClient, str]:
    """A new client and its secret (returned once; only its hash is kept)."""
    secret = secrets.token_urlsafe(32)
    client = FhirClient.objects.create(
        name=name,
        client_id=secrets.token_hex(12),
        secret_hash=make_password(secret),
        user=user,
    )
    return client, secret


def token_issue(client: FhirClient) -> dict:
    token = signing.dumps({"c": client.pk, "f": _fingerprint(client)}, salt=_SALT)
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": settings.FHIR_OAUTH_TOKEN_SECONDS,
    }


def client_authenticate(client_id: str, secret: str) -> FhirClient | None:
    client = (
        FhirClient.objects.select_related("user")
        .filter(client_id=client_id, is_active=True)
        .first()
    )
    if client is None:
        make_password(secret)  # the same work either way: no timing hint that the id exists
        return None
    if not check_password(secret, client.secret_hash) or not client.user.is_active:
        return None
    return client


def _credentials(request: HttpRequest) -> tuple[str, str]:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = raw.partition(":")
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _error(error: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": error}, status=status)
    response["Cache-Control"] = "no-store"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="fhir"'
    return response


@csrf_exempt  # a machine-to-machine endpoint authenticated by the client's secret, no cookie
@require_POST
def token_view(request: HttpRequest) -> JsonResponse:
    if request.POST.get("grant_type") != "client_credentials":
        return _error("unsupported_grant_type", 400)
    ip = client_ip(request)
    if token_failures_paused(ip):
        response = _error("slow_down", 429)
        response["Retry-After"] = str(settings.FHIR_TOKEN_FAILURE_WINDOW)
        return response
    client_id, secret = _credentials(request)
    if not client_id or not secret:
        token_failure_record(ip)
        return _error("invalid_client", 401)
    client = client_authenticate(client_id, secret)
    if client is None:
        token_failure_record(ip)
        return _error("invalid_client", 401)
    response = JsonResponse(token_issue(client))
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


class BearerClientAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>`` from the token endpoint: the request runs as the
    client's service user (``request.auth`` is the ``FhirClient``)."""

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != b"bearer":
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid bearer header.")
        try:
            payload = signing.loads(
                auth[1].decode(), salt=_SALT, max_age=settings.FHIR_OAUTH_TOKEN_SECONDS
            )
        except (signing.BadSignature, UnicodeDecodeError):
            # SignatureExpired is a BadSignature: an expired token is refused like a forged one.
            raise exceptions.AuthenticationFailed("Invalid or expired token.") from None
        client = (
            FhirClient.objects.select_related("user")
            .filter(pk=payload.get("c"), is_active=True)
            .first()
        )
        if client is None or _fingerprint(client) != payload.get("f") or not client.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        return client.user, client

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="fhir"'
