"""What a Twilio webhook request may look like before anything reads its body (issue 20.8).

Twilio posts ``application/x-www-form-urlencoded`` bodies of a few KiB, signed with HMAC-SHA1
(the auth token's signature) or HMAC-SHA256 (a webhook shared key, named in
X-Twilio-Webhooks-Signature-Settings). Anything else is not Twilio: a JSON or multipart body
would otherwise reach the SDK's bodySHA256 path or Django's upload parser, and a large one would
be read into memory before the signature is even checked.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from twilio.request_validator import HMAC_SHA1, HMAC_SHA256, SIGNATURE_SETTINGS_HEADER

FORM = "application/x-www-form-urlencoded"
ALGORITHMS = frozenset({HMAC_SHA1, HMAC_SHA256})
_SETTINGS_META = "HTTP_" + SIGNATURE_SETTINGS_HEADER.upper().replace("-", "_")
# Twilio's largest inbound (1,600 characters of emoji, percent-encoded, and ten media URLs) is
# well under 32 KiB.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


def _named_algorithm(header: str) -> str | None:
    for part in header.split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip() == "algorithm":
            return value.strip()
    return None


def webhook_request_refusal(request: HttpRequest) -> HttpResponse | None:
    """An answer refusing a request no Twilio webhook would send, or None to go on."""
    if request.method != "POST":
        return None  # the view's require_POST answers 405
    limit = getattr(settings, "WEBHOOK_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponse("bad Content-Length", status=400, content_type="text/plain")
    if length > limit:
        return HttpResponse("body too large", status=413, content_type="text/plain")
    if request.content_type != FORM:
        return HttpResponse(f"only {FORM} is accepted", status=415, content_type="text/plain")
    header = request.META.get(_SETTINGS_META, "")
    if header:
        algorithm = _named_algorithm(header)
        if algorithm is not None and algorithm not in ALGORITHMS:
            return HttpResponse("unsupported signature algorithm", status=403)
    return None


def twilio_webhook(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: :func:`webhook_request_refusal` before the view reads the body."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return webhook_request_refusal(request) or view(request, *args, **kwargs)

    return wrapped
