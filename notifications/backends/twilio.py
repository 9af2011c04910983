"""Twilio SMS through the official SDK, with explicit timeouts and Twilio's error codes mapped."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

# The client imports its Messages API on first use (~30 ms): here, so a worker that preloads this
# module before forking (sms_backend_preload) gives its children the whole SDK.
from twilio.rest.api.v2010.account import message as _messages_api  # noqa: F401

from notifications.twilio_http import build_http_client

from ..signals import FAILURE_INVALID_NUMBER, FAILURE_OPTED_OUT
from .base import DeliveryError, SmsBackend

logger = logging.getLogger(__name__)

# Codes after which resending the same message can never succeed.
# 21211 invalid To, 21610 recipient replied STOP, 21614 not a mobile number, 30003/30005/30006
# unreachable/unknown/landline, 21408 region not enabled, 21612 cannot route.
PERMANENT_CODES = {"21211", "21408", "21610", "21612", "21614", "30003", "30005", "30006", "30007"}
# What a permanent code says about the recipient (the outbound_failed signal's ``reason``).
OPTED_OUT_CODES = {"21610"}
INVALID_NUMBER_CODES = {"21211", "21614", "30003", "30005", "30006", "21612", "21408"}


def failure_reason(code: str) -> str:
    """The signal's ``reason`` for a Twilio error code ("" when it says nothing of the number)."""
    if code in OPTED_OUT_CODES:
        return FAILURE_OPTED_OUT
    if code in INVALID_NUMBER_CODES:
        return FAILURE_INVALID_NUMBER
    return ""


class TwilioBackend(SmsBackend):
    name = "twilio"

    def __init__(self) -> None:
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured(
                "TwilioBackend needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            )
        if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
            raise ImproperlyConfigured(
                "TwilioBackend needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"
            )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=build_http_client(
                api_url=settings.TWILIO_API_URL, timeout=settings.TWILIO_TIMEOUT_SECONDS
            ),
        )

    def send(
        self, *, to: str, body: str, status_callback: str | None = None, sender: str = ""
    ) -> str:
        kwargs: dict = {"to": to, "body": body}
        if sender.startswith("MG"):
            kwargs["messaging_service_sid"] = sender
        elif sender:
            kwargs["from_"] = sender
        elif settings.TWILIO_MESSAGING_SERVICE_SID:
            kwargs["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            kwargs["from_"] = settings.TWILIO_FROM_NUMBER
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise _rest_error(exc, self._retry_after()) from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise DeliveryError(
                f"Twilio unreachable: {type(exc).__name__}", ambiguous=_may_have_been_sent(exc)
            ) from exc
        except TwilioException as exc:
            # Newer SDKs raise TwilioServiceException (RFC 9457) outside TwilioRestException.
            code = str(getattr(exc, "code", "") or "")
            status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
            raise _classify(code=code, status=status, message=str(exc)) from exc
        return message.sid

    def _retry_after(self) -> float | None:
        last = getattr(self.client.http_client, "last_retry_after", None)
        return last() if callable(last) else None

    def find_sent(
        self, *, to: str, body: str, since: dt.datetime, exclude: Collection[str] = ()
    ) -> str | None:
        # No DateSent filter: Twilio leaves date_sent empty while a message waits in its queue,
        # and a queued message is exactly the one a blind resend would double. The newest 50 to
        # one number, filtered on date_created here, cover any reconciliation window.
        try:
            for message in self.client.messages.list(to=to, limit=50):
                created = message.date_created
                if created is not None and created < since:
                    continue
                if message.sid in exclude:
                    continue
                if (message.body or "").strip() == body.strip():
                    return message.sid
        except (TwilioException, requests.RequestException) as exc:
            raise DeliveryError(f"Twilio message log unavailable: {type(exc).__name__}") from exc
        return None


def _may_have_been_sent(exc: requests.RequestException) -> bool:
    """True unless the request certainly never reached Twilio (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    return not (
        isinstance(exc, requests.ConnectionError) and "NewConnectionError" in repr(exc.args)
    )


def _rest_error(exc: TwilioRestException, retry_after: float | None = None) -> DeliveryError:
    return _classify(
        code=str(exc.code or ""), status=exc.status, message=exc.msg, retry_after=retry_after
    )


def _classify(
    *, code: str, status: int | None, message: str, retry_after: float | None = None
) -> DeliveryError:
    if code in PERMANENT_CODES:
        return DeliveryError(
            f"Twilio {code}: {message}"[:400],
            permanent=True,
            code=code,
            reason=failure_reason(code),
        )
    if status in (401, 403):
        # Bad credentials will not fix themselves, but they are the operator's to fix, not the
        # patient's number: keep retrying (slowly) and let staff see the failure.
        return DeliveryError(f"Twilio auth failed ({status})", code=code or str(status))
    if status is not None and 400 <= status < 500 and status != 429:
        return DeliveryError(
            f"Twilio {code or status}: {message}"[:400], permanent=True, code=code or str(status)
        )
    return DeliveryError(
        f"Twilio {code or status}: {message}"[:400],
        code=code or str(status or ""),
        retry_after=retry_after,
    )
