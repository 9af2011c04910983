"""An HTTP client for the twilio SDK that can talk to a host other than Twilio's.

twilio-python 9.x hard-codes each product's base URL (``https://api.twilio.com`` in
``twilio.rest.api.ApiBase``) and has no setting to change it; ``edge``/``region`` only rewrite the
host to another ``*.twilio.com`` name. The one clean seam is the ``http_client`` argument of
``twilio.rest.Client``: every request, whatever the product, goes through ``http_client.request()``
with a fully qualified URL. ``RewritingHttpClient`` swaps the scheme and host there, which is how
``TWILIO_API_URL`` points the SMS backend at the local fake in tests and benchmarks.

Recipe::

    from twilio.rest import Client
    from notifications.twilio_http import build_http_client

    http_client = build_http_client(api_url=os.environ.get("TWILIO_API_URL"), timeout=10.0)
    client = Client(account_sid, auth_token, http_client=http_client)

This module imports twilio but not Django, so it can be used (and tested) without settings.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response

TWILIO_DEFAULT_API_URL = "https://api.twilio.com"

# Mirrors TwilioHttpClient's own pool size for https://; without it plain-http targets (the fake)
# get requests' default of 10 and threaded benchmarks log "connection pool is full".
_POOL_SIZE = min(32, (os.cpu_count() or 1) + 4)


def _is_twilio_host(hostname: str | None) -> bool:
    if not hostname:
        return False
    hostname = hostname.lower().rstrip(".")
    return hostname == "twilio.com" or hostname.endswith(".twilio.com")


def _validate_base_url(base_url: str) -> tuple[str, str, str]:
    """Return (scheme, netloc, path prefix); ValueError for anything we cannot rewrite to."""
    if not isinstance(base_url, str) or not base_url.strip():
        raise ValueError("base_url must be a non-empty URL such as http://127.0.0.1:8765")
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
    if not parts.hostname:
        raise ValueError(f"base_url has no host: {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must not carry a query or fragment: {base_url!r}")
    try:
        parts.port  # noqa: B018 - urlsplit only validates the port when it is read
    except ValueError as exc:
        raise ValueError(f"base_url has an invalid port: {base_url!r}") from exc
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def _validate_timeout(timeout: float) -> float:
    # bool is an int; a timeout of True is a bug, not one second.
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ValueError(f"timeout must be a number of seconds, got {timeout!r}")
    if not timeout > 0:  # also rejects NaN
        raise ValueError(f"timeout must be greater than zero, got {timeout!r}")
    return float(timeout)


class RewritingHttpClient(TwilioHttpClient):
    """A ``TwilioHttpClient`` that sends every ``*.twilio.com`` request to ``base_url`` instead.

    Path and query are kept, so ``https://api.twilio.com/2010-04-01/Accounts/AC.../Messages.json``
    becomes ``http://127.0.0.1:8765/2010-04-01/Accounts/AC.../Messages.json``; a path in
    ``base_url`` (a reverse proxy mount point) is put in front. URLs on other hosts are left alone.

    ``timeout`` is required because Twilio's default is none: a provider that stops answering
    would otherwise hold a worker forever.

    The parent keeps the last response on the instance, which is wrong when a client is shared
    between threads; ``last_response`` here is per thread. The SDK's exceptions do not carry
    response headers, so that is where a caller reads ``Retry-After`` after a 429 (see
    ``last_retry_after()``).
    """

    def __init__(self, base_url: str, timeout: float, **kwargs: Any) -> None:
        self._scheme, self._netloc, self._prefix = _validate_base_url(base_url)
        self.base_url = urlunsplit((self._scheme, self._netloc, self._prefix, "", ""))
        super().__init__(timeout=_validate_timeout(timeout), **kwargs)
        if self.session is not None and self._scheme == "http":
            # An explicit 0: HTTPAdapter(max_retries=None) would mean urllib3's default of three
            # retries, and a retried POST can send the same SMS twice.
            retries = kwargs.get("max_retries") or 0
            adapter = HTTPAdapter(pool_maxsize=_POOL_SIZE, max_retries=retries)
            self.session.mount("http://", adapter)
        self._local = threading.local()

    def rewrite_url(self, url: str) -> str:
        """Return ``url`` pointed at ``base_url`` if its host is Twilio's, else unchanged."""
        parts = urlsplit(url)
        if not _is_twilio_host(parts.hostname):
            return url
        return urlunsplit(
            (self._scheme, self._netloc, self._prefix + parts.path, parts.query, parts.fragment)
        )

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        self._local.last_response = None
        response = super().request(
            method,
            self.rewrite_url(url),
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=self.timeout if timeout is None else timeout,
            allow_redirects=allow_redirects,
        )
        self._local.last_response = response
        return response

    @property
    def last_response(self) -> Response | None:
        """The last response this thread received (None if its last request raised)."""
        return getattr(self._local, "last_response", None)

    def last_retry_after(self) -> float | None:
        """Seconds to wait according to this thread's last response's ``Retry-After``, if any."""
        response = self.last_response
        if response is None or not response.headers:
            return None
        return parse_retry_after(response.headers.get("Retry-After"))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delay-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def build_http_client(*, api_url: str | None, timeout: float) -> TwilioHttpClient:
    """The http client for ``twilio.rest.Client`` given the ``TWILIO_API_URL`` setting.

    Empty or Twilio's own URL gives a plain ``TwilioHttpClient`` (still with a timeout); anything
    else gives a ``RewritingHttpClient``.
    """
    timeout = _validate_timeout(timeout)
    if not api_url or not api_url.strip():
        return _pin_environment(TwilioHttpClient(timeout=timeout), TWILIO_DEFAULT_API_URL)
    _validate_base_url(api_url)
    if api_url.strip().rstrip("/").lower() == TWILIO_DEFAULT_API_URL:
        return _pin_environment(TwilioHttpClient(timeout=timeout), TWILIO_DEFAULT_API_URL)
    return _pin_environment(RewritingHttpClient(api_url, timeout), api_url.strip())


def _pin_environment(client: TwilioHttpClient, url: str) -> TwilioHttpClient:
    """Read the proxy and CA-bundle environment once, not on every send.

    With ``trust_env`` on, requests walks the whole process environment twice per request
    (proxies, then no_proxy): a tenth of a send's time in the benchmark's profile. Every request
    goes to one host, so the answer is the same each time; a change needs a worker restart, as
    any other setting does.
    """
    if client.session is None:
        return client
    client.proxy = {**requests.utils.get_environ_proxies(url), **(client.proxy or {})}
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        client.session.verify = bundle
    client.session.trust_env = False
    return client
