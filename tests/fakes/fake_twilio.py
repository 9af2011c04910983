"""A local fake of Twilio's Messages API for tests, benchmarks and the demo.

It speaks enough of ``/2010-04-01/Accounts/{AccountSid}/Messages.json`` that the real ``twilio``
SDK (9.x) parses its answers, and it can be told to fail the ways Twilio fails: permanent errors
(21211, 21610, 30006), rate limiting with ``Retry-After``, 500s, hangs, the ambiguous "accepted but
answered too late", seeded random faults and RFC 9457 problem+json bodies.

Point the SDK at it with ``notifications.twilio_http.RewritingHttpClient`` (``TWILIO_API_URL``)::

    with FakeTwilio() as fake:
        client = Client(fake.account_sid, fake.auth_token,
                        http_client=RewritingHttpClient(fake.url, timeout=5))
        fake.push("invalid_number", to="+15005550001")
        ...

Run it as a process (prints its URL on the first line of stdout)::

    python -m tests.fakes.fake_twilio --port 8765 --account-sid AC... --auth-token ...

and drive it over HTTP: ``POST /_fake/behaviour``, ``POST /_fake/fault-rate``,
``POST /_fake/callbacks``, ``POST /_fake/reset``, ``GET /_fake/messages``, ``GET /_fake/requests``,
``GET /_fake/callbacks``, ``GET /_fake/health``. Control endpoints take no auth: the fake only
listens on loopback by default and must never be exposed.

Stdlib only; the optional status callbacks import ``twilio.request_validator`` so that their
``X-Twilio-Signature`` is computed by the same code the webhook checks it with.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import copy
import json
import math
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

API_VERSION = "2010-04-01"
DEFAULT_ACCOUNT_SID = "AC" + "fa4e" * 8
DEFAULT_AUTH_TOKEN = "fake-twilio-auth-token"
# Longer than any sane client timeout, so "hang" means the client gives up first.
DEFAULT_SLOW_SECONDS = 60.0
DEFAULT_RETRY_AFTER = 1
MAX_BODY_CHARS = 1600

OK = "ok"
UNDELIVERED = "undelivered"
INVALID_NUMBER = "invalid_number"
UNSUBSCRIBED = "unsubscribed"
UNREACHABLE = "unreachable"
RATE_LIMITED = "rate_limited"
SERVER_ERROR = "server_error"
HANG = "hang"
ACCEPT_LATE = "accept_late"
PROBLEM = "problem"
ERROR = "error"

# Behaviour -> the options it accepts. An unknown option is an error, not silently ignored: a
# misspelt "second=5" would otherwise hang a test for the default minute.
BEHAVIOURS: dict[str, frozenset[str]] = {
    OK: frozenset(),
    UNDELIVERED: frozenset({"error_code"}),
    INVALID_NUMBER: frozenset(),
    UNSUBSCRIBED: frozenset(),
    UNREACHABLE: frozenset(),
    RATE_LIMITED: frozenset({"retry_after"}),
    SERVER_ERROR: frozenset(),
    HANG: frozenset({"seconds"}),
    ACCEPT_LATE: frozenset({"seconds"}),
    PROBLEM: frozenset({"status", "code", "title", "detail", "type"}),
    ERROR: frozenset({"status", "code", "message"}),
}

_MESSAGES_PATH = re.compile(rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages\.json")
_MESSAGE_PATH = re.compile(
    rf"/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages/(?P<sid>[^/]+)\.json"
)

# GSM 03.38: the extension characters cost two septets (escape + char); anything outside both
# sets (a curly quote, an emoji) switches the whole message to UCS-2.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


def count_segments(body: str) -> int:
    """How many SMS segments Twilio would bill ``body`` as (ignoring smart encoding)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in body):
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else math.ceil(units / part)


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    """Twilio's classic (2010 API) error body."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


@dataclass(frozen=True)
class Rule:
    """One answer to give: a behaviour, its options and, optionally, the one ``To`` it is for."""

    behaviour: str
    to: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, behaviour: str, to: str | None, options: dict[str, Any]) -> Rule:
        if behaviour not in BEHAVIOURS:
            known = ", ".join(sorted(BEHAVIOURS))
            raise ValueError(f"unknown behaviour {behaviour!r}; expected one of {known}")
        unknown = set(options) - BEHAVIOURS[behaviour]
        if unknown:
            raise ValueError(f"behaviour {behaviour!r} takes no option(s) {sorted(unknown)}")
        if to is not None and (not isinstance(to, str) or not to):
            raise ValueError(f"'to' must be a non-empty string or None, got {to!r}")
        for name in ("seconds", "retry_after"):
            if name in options:
                value = options[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        if behaviour == ERROR and not {"status", "code"} <= set(options):
            raise ValueError("behaviour 'error' needs both status and code")
        for name in ("status", "code", "error_code"):
            if name in options and (
                isinstance(options[name], bool) or not isinstance(options[name], int)
            ):
                raise ValueError(f"{name} must be an integer, got {options[name]!r}")
        if "status" in options and not 400 <= options["status"] <= 599:
            raise ValueError(f"status must be an HTTP error status, got {options['status']!r}")
        return cls(behaviour, to, dict(options))

    def applies_to(self, to: str | None) -> bool:
        return self.to is None or self.to == to


@dataclass
class _Answer:
    status: int
    body: dict[str, Any] | None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class FakeTwilio:
    """An in-process (or CLI) fake Twilio Messages API. All public methods are thread-safe.

    Rules are chosen per request in this order: the first queued one-shot rule whose ``to``
    matches (``push``), a per-number default (``set_default(..., to=...)``), a seeded random fault
    (``set_fault_rate``), the global default (``set_default``; "ok" unless changed).
    """

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        callbacks: bool = False,
        callback_delay: float = 0.02,
        verbose: bool = False,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("account_sid and auth_token are required")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.port = port
        self.callback_delay = callback_delay
        self.verbose = verbose
        self._lock = threading.Condition()
        self._callbacks_enabled = callbacks
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._clear()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> str:
        """Start serving in a background thread and return the base URL."""
        if self._server is not None:
            raise RuntimeError("FakeTwilio is already running")
        self._stopping = threading.Event()
        server = _Server((self.host, self.port), _Handler, self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.name = f"fake-twilio:{server.server_address[1]}"
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving; wakes hanging requests (they are dropped unanswered) and closes sockets."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeTwilio:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTwilio is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- programming ---------------------------------------------------------------------------

    def push(self, behaviour: str, to: str | None = None, **options: Any) -> None:
        """Queue a one-shot rule: the next request (to ``to``, if given) gets ``behaviour``."""
        rule = Rule.build(behaviour, to, options)
        with self._lock:
            self._queue.append(rule)

    def set_default(self, behaviour: str, to: str | None = None, **options: Any) -> None:
        """Answer every request (to ``to``, if given) with ``behaviour`` until reset."""
        rule = Rule.build(behaviour, to, options)
        with self._lock:
            if to is None:
                self._default = rule
            else:
                self._per_number[to] = rule

    def set_fault_rate(
        self, rate: float, seed: int | None = None, *, behaviour: str = SERVER_ERROR, **options: Any
    ) -> None:
        """Answer a fraction ``rate`` of otherwise-unruled requests with ``behaviour``.

        The same seed gives the same sequence of faults for the same sequence of requests.
        ``rate=0`` turns faults off.
        """
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"rate must be between 0 and 1, got {rate!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        rule = Rule.build(behaviour, None, options)
        with self._lock:
            self._fault = (float(rate), random.Random(seed), rule) if rate > 0 else None

    @property
    def callbacks(self) -> bool:
        with self._lock:
            return self._callbacks_enabled

    @callbacks.setter
    def callbacks(self, enabled: bool) -> None:
        with self._lock:
            self._callbacks_enabled = bool(enabled)

    def reset(self) -> None:
        """Forget rules, faults and everything recorded. Credentials and callbacks stay."""
        with self._lock:
            self._clear()
            self._lock.notify_all()

    def _clear(self) -> None:
        self._queue: list[Rule] = []
        self._per_number: dict[str, Rule] = {}
        self._default = Rule(OK)
        self._fault: tuple[float, random.Random, Rule] | None = None
        self._messages: list[dict[str, Any]] = []
        self._requests: list[dict[str, Any]] = []
        self._callbacks_sent: list[dict[str, Any]] = []

    # -- inspection ----------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Messages Twilio would have sent (answered 201, or accepted and answered late)."""
        with self._lock:
            return copy.deepcopy(self._messages)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every API request, whatever its outcome, oldest first."""
        with self._lock:
            return copy.deepcopy(self._requests)

    @property
    def callbacks_sent(self) -> list[dict[str, Any]]:
        """Status callbacks posted (url, params, signature, HTTP status or error)."""
        with self._lock:
            return copy.deepcopy(self._callbacks_sent)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(
                {
                    "messages": self._messages,
                    "requests": self._requests,
                    "callbacks": self._callbacks_sent,
                }
            )

    def wait_for(self, predicate: Callable[[FakeTwilio], bool], timeout: float = 5.0) -> bool:
        """Block until ``predicate(self)`` is true (re-checked on every change) or time runs out."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(min(remaining, 0.1))
            return True

    # -- request handling (called from handler threads) ----------------------------------------

    def _record_request(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._requests.append(entry)
            self._lock.notify_all()
        return entry

    def _finish_request(self, entry: dict[str, Any], status: int | None) -> None:
        with self._lock:
            entry["response_status"] = status
            self._lock.notify_all()

    def _choose_rule(self, to: str | None) -> Rule:
        with self._lock:
            for index, rule in enumerate(self._queue):
                if rule.applies_to(to):
                    return self._queue.pop(index)
            if to is not None and to in self._per_number:
                return self._per_number[to]
            if self._fault is not None:
                rate, rng, rule = self._fault
                if rng.random() < rate:
                    return rule
            return self._default

    def _accept(
        self, account_sid: str, params: dict[str, Any], auth: dict[str, str]
    ) -> dict[str, Any]:
        now = datetime.now(UTC)
        sid = "SM" + secrets.token_hex(16)
        body = params.get("Body", "")
        service = params.get("MessagingServiceSid")
        message = {
            "sid": sid,
            "account_sid": account_sid,
            "to": params.get("To"),
            "from": params.get("From"),
            "body": body,
            "status_callback": params.get("StatusCallback"),
            "messaging_service_sid": service,
            # Twilio answers "accepted" when it still has to pick a sender from the service pool.
            "status": "accepted" if service and not params.get("From") else "queued",
            "num_segments": count_segments(body) if isinstance(body, str) else 1,
            "date_created": now.isoformat(),
            "time": now.timestamp(),
            "auth": dict(auth),
            "params": copy.deepcopy(params),
        }
        with self._lock:
            self._messages.append(message)
            self._lock.notify_all()
            return copy.deepcopy(message)

    def _message_json(self, message: dict[str, Any]) -> dict[str, Any]:
        created = format_datetime(datetime.fromtimestamp(message["time"], UTC))
        uri = f"/{API_VERSION}/Accounts/{message['account_sid']}/Messages/{message['sid']}"
        return {
            "account_sid": message["account_sid"],
            "api_version": API_VERSION,
            "body": message["body"],
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": message.get("error_code"),
            "error_message": None,
            "from": message["from"],
            "messaging_service_sid": message["messaging_service_sid"],
            "num_media": "0",
            "num_segments": str(message["num_segments"]),
            "price": None,
            "price_unit": "USD",
            "sid": message["sid"],
            "status": message["status"],
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": message["to"],
            "uri": f"{uri}.json",
        }

    def _find_message(self, account_sid: str, sid: str) -> dict[str, Any] | None:
        with self._lock:
            for message in self._messages:
                if message["sid"] == sid and message["account_sid"] == account_sid:
                    return copy.deepcopy(message)
        return None

    def _list_messages(self, account_sid: str, query: dict[str, str]) -> list[dict[str, Any]]:
        with self._lock:
            found = [
                copy.deepcopy(m)
                for m in self._messages
                if m["account_sid"] == account_sid
                and query.get("To", m["to"]) == m["to"]
                and query.get("From", m["from"]) == m["from"]
            ]
        return list(reversed(found))  # Twilio lists newest first

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the fake stops first; True if the full time passed."""
        return not self._stopping.wait(seconds)

    def _start_callbacks(self, message: dict[str, Any], final: str, error_code: int | None) -> None:
        with self._lock:
            enabled = self._callbacks_enabled
        if not enabled or not message.get("status_callback"):
            return
        stopping = self._stopping
        thread = threading.Thread(
            target=self._run_callbacks,
            args=(message, final, error_code, stopping),
            name=f"fake-twilio-callback:{message['sid']}",
            daemon=True,
        )
        thread.start()

    def _run_callbacks(
        self,
        message: dict[str, Any],
        final: str,
        error_code: int | None,
        stopping: threading.Event,
    ) -> None:
        # Imported here so the fake stays stdlib-only unless callbacks are on.
        from twilio.request_validator import RequestValidator

        validator = RequestValidator(self.auth_token)
        url = message["status_callback"]
        for status in ("sent", final):
            if stopping.wait(self.callback_delay):
                return
            params = {
                "AccountSid": message["account_sid"],
                "ApiVersion": API_VERSION,
                "From": message["from"] or "",
                "MessageSid": message["sid"],
                "MessageStatus": status,
                "SmsSid": message["sid"],
                "SmsStatus": status,
                "To": message["to"] or "",
            }
            if message.get("messaging_service_sid"):
                params["MessagingServiceSid"] = message["messaging_service_sid"]
            if status in ("undelivered", "failed") and error_code is not None:
                params["ErrorCode"] = str(error_code)
            signature = validator.compute_signature(url, params)
            record: dict[str, Any] = {
                "sid": message["sid"],
                "status": status,
                "url": url,
                "params": params,
                "signature": signature,
            }
            request = urllib.request.Request(
                url,
                data=urlencode(params).encode(),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": signature,
                    "User-Agent": "TwilioProxy/1.1",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    record["http_status"] = response.status
            except urllib.error.HTTPError as exc:
                record["http_status"] = exc.code
            except (OSError, ValueError) as exc:
                record["error"] = repr(exc)
            with self._lock:
                for stored in self._messages:
                    if stored["sid"] == message["sid"]:
                        stored["status"] = status
                        if status != "sent" and error_code is not None:
                            stored["error_code"] = error_code
                self._callbacks_sent.append(record)
                self._lock.notify_all()

    def _answer(self, rule: Rule, entry: dict[str, Any], params: dict[str, Any]) -> _Answer | None:
        """Carry out ``rule`` for a valid, authenticated create; None means drop the connection."""
        to = params.get("To")
        opts = rule.options
        if rule.behaviour in (OK, UNDELIVERED, ACCEPT_LATE):
            message = self._accept(entry["account_sid"], params, entry["auth"])
            entry_sid = message["sid"]
            with self._lock:
                entry["sid"] = entry_sid
            if rule.behaviour == UNDELIVERED:
                self._start_callbacks(message, "undelivered", opts.get("error_code", 30006))
            else:
                self._start_callbacks(message, "delivered", None)
            if rule.behaviour == ACCEPT_LATE and not self._sleep(
                opts.get("seconds", DEFAULT_SLOW_SECONDS)
            ):
                return None
            current = self._find_message(entry["account_sid"], entry_sid) or message
            return _Answer(201, self._message_json(current))
        if rule.behaviour == HANG:
            if not self._sleep(opts.get("seconds", DEFAULT_SLOW_SECONDS)):
                return None
            return _Answer(500, twilio_error(20500, "Internal Server Error", 500))
        if rule.behaviour == INVALID_NUMBER:
            return _Answer(400, twilio_error(21211, f"Invalid 'To' Phone Number: {to}", 400))
        if rule.behaviour == UNSUBSCRIBED:
            return _Answer(
                400, twilio_error(21610, "Attempt to send to unsubscribed recipient", 400)
            )
        if rule.behaviour == UNREACHABLE:
            return _Answer(400, twilio_error(30006, "Landline or unreachable carrier", 400))
        if rule.behaviour == RATE_LIMITED:
            retry_after = opts.get("retry_after", DEFAULT_RETRY_AFTER)
            return _Answer(
                429,
                twilio_error(20429, "Too Many Requests", 429),
                headers={"Retry-After": _header_number(retry_after)},
            )
        if rule.behaviour == SERVER_ERROR:
            return _Answer(500, twilio_error(20500, "Internal Server Error", 500))
        if rule.behaviour == PROBLEM:
            status = opts.get("status", 400)
            code = opts.get("code", 21211)
            problem = {
                "type": opts.get("type", f"https://www.twilio.com/docs/errors/{code}"),
                "title": opts.get("title", "Invalid 'To' Phone Number"),
                "status": status,
                "detail": opts.get("detail", f"The 'To' number {to} is not a valid phone number."),
                "code": code,
                "instance": entry["path"],
            }
            return _Answer(status, problem, content_type="application/problem+json")
        if rule.behaviour == ERROR:
            status, code = opts["status"], opts["code"]
            return _Answer(status, twilio_error(code, opts.get("message", f"Error {code}"), status))
        raise AssertionError(f"unhandled behaviour {rule.behaviour}")  # Rule.build forbids this


def _header_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _flatten(query: dict[str, list[str]]) -> dict[str, Any]:
    """Form params as str, or a list where a name repeats (MediaUrl, PersistentAction)."""
    return {name: values[0] if len(values) == 1 else values for name, values in query.items()}


def _missing_param(params: dict[str, Any]) -> _Answer | None:
    """Twilio's own validation of a create request, so client bugs surface against the fake too."""
    if not params.get("To"):
        return _Answer(400, twilio_error(21604, "A 'To' phone number is required.", 400))
    if not params.get("From") and not params.get("MessagingServiceSid"):
        return _Answer(400, twilio_error(21603, "A 'From' phone number is required.", 400))
    if not params.get("Body") and not params.get("MediaUrl") and not params.get("ContentSid"):
        return _Answer(400, twilio_error(21602, "Message body is required.", 400))
    body = params.get("Body")
    if isinstance(body, list):
        return _Answer(400, twilio_error(21602, "Message body must be a single value.", 400))
    if body and len(body) > MAX_BODY_CHARS:
        message = "The concatenated message body exceeds the 1600 character limit."
        return _Answer(400, twilio_error(21617, message, 400))
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, fake: FakeTwilio) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        # Keep-alive connections would otherwise outlive stop() and be served by a stopped fake.
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and went away is the point of "hang", not a fake failure.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's pooled session expects of Twilio
    server_version = "FakeTwilio/1.0"
    # Headers and body go out in two writes; with Nagle on, the second waits for the client's
    # delayed ACK and every request costs ~40 ms, which would make the fake the benchmark.
    disable_nagle_algorithm = True

    @property
    def fake(self) -> FakeTwilio:
        return self.server.fake

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base class name
        if self.fake.verbose:
            super().log_message(format, *args)

    # -- plumbing ------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, answer: _Answer) -> None:
        payload = b"" if answer.body is None else json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _auth(self) -> dict[str, str] | None:
        header = self.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic" or not encoded:
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, sep, password = decoded.partition(":")
        return {"username": username, "password": password} if sep else None

    def _authorised(self, auth: dict[str, str] | None) -> bool:
        return (
            auth is not None
            and secrets.compare_digest(auth["username"], self.fake.account_sid)
            and secrets.compare_digest(auth["password"], self.fake.auth_token)
        )

    def _unauthorised(self) -> _Answer:
        return _Answer(
            401,
            twilio_error(20003, "Authenticate", 401),
            headers={"WWW-Authenticate": 'Basic realm="Twilio API"'},
        )

    def _not_found(self, path: str) -> _Answer:
        message = f"The requested resource {path} was not found"
        return _Answer(404, twilio_error(20404, message, 404))

    # -- verbs ---------------------------------------------------------------------------------

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        raw = self._read_body()
        path = urlsplit(self.path).path
        if path.startswith("/_fake/"):
            self._send(self._control_post(path, raw))
            return
        match = _MESSAGES_PATH.fullmatch(path)
        if match is None:
            self._send(self._not_found(path))
            return
        self._create_message(path, match["account"], raw)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._read_body()
        parts = urlsplit(self.path)
        if parts.path.startswith("/_fake/"):
            self._send(self._control_get(parts.path))
            return
        one, many = _MESSAGE_PATH.fullmatch(parts.path), _MESSAGES_PATH.fullmatch(parts.path)
        if one is None and many is None:
            self._send(self._not_found(parts.path))
            return
        if not self._authorised(self._auth()):
            self._send(self._unauthorised())
            return
        if one is not None:
            found = self.fake._find_message(one["account"], one["sid"])
            answer = self._not_found(parts.path) if found is None else None
            self._send(answer or _Answer(200, self.fake._message_json(found)))
            return
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        listed = self.fake._list_messages(many["account"], query)
        uri = f"{parts.path}?{parts.query}" if parts.query else parts.path
        page = {
            "messages": [self.fake._message_json(m) for m in listed],
            "end": max(len(listed) - 1, 0),
            "first_page_uri": uri,
            "next_page_uri": None,
            "page": 0,
            "page_size": max(len(listed), 50),
            "previous_page_uri": None,
            "start": 0,
            "uri": uri,
        }
        self._send(_Answer(200, page))

    def do_PUT(self) -> None:  # noqa: N802 - http.server naming
        self._read_body()
        self._send(_Answer(405, twilio_error(20004, "Method not allowed", 405)))

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    # -- the Messages API ----------------------------------------------------------------------

    def _create_message(self, path: str, account_sid: str, raw: bytes) -> None:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        form = parse_qs(text, keep_blank_values=True) if text is not None else {}
        params = _flatten(form) if content_type == "application/x-www-form-urlencoded" else {}
        auth = self._auth()
        entry = self.fake._record_request(
            {
                "time": time.time(),
                "method": "POST",
                "path": path,
                "account_sid": account_sid,
                "auth": auth,
                "params": params,
                "to": params.get("To"),
                "behaviour": None,
                "sid": None,
                "response_status": None,
            }
        )
        if not self._authorised(auth):
            answer: _Answer | None = self._unauthorised()
        elif account_sid != self.fake.account_sid:
            answer = self._not_found(path)
        elif text is None or content_type != "application/x-www-form-urlencoded":
            message = "Request body must be application/x-www-form-urlencoded UTF-8"
            answer = _Answer(400, twilio_error(20001, message, 400))
        else:
            answer = _missing_param(params)
            if answer is None:
                to = params.get("To") if isinstance(params.get("To"), str) else None
                rule = self.fake._choose_rule(to)
                with self.fake._lock:
                    entry["behaviour"] = rule.behaviour
                answer = self.fake._answer(rule, entry, params)
        if answer is None:  # the fake is stopping: drop the connection like a dead server
            self.close_connection = True
            return
        # Recorded before the write: once the client has its answer the record must be complete.
        self.fake._finish_request(entry, answer.status)
        self._send(answer)

    # -- control endpoints ---------------------------------------------------------------------

    def _control_get(self, path: str) -> _Answer:
        fake = self.fake
        if path == "/_fake/health":
            return _Answer(200, {"ok": True, "account_sid": fake.account_sid})
        if path == "/_fake/messages":
            return _Answer(200, {"messages": fake.messages})
        if path == "/_fake/requests":
            return _Answer(200, {"requests": fake.requests})
        if path == "/_fake/callbacks":
            return _Answer(200, {"callbacks": fake.callbacks_sent})
        return _Answer(404, {"error": f"no control endpoint {path}"})

    def _control_post(self, path: str, raw: bytes) -> _Answer:
        fake = self.fake
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return _Answer(400, {"error": f"body must be JSON: {exc}"})
        if not isinstance(data, dict):
            return _Answer(400, {"error": "body must be a JSON object"})
        try:
            if path == "/_fake/reset":
                fake.reset()
            elif path == "/_fake/behaviour":
                options = dict(data)
                behaviour = options.pop("behaviour", None)
                to = options.pop("to", None)
                sticky = options.pop("default", False)
                if not isinstance(behaviour, str):
                    raise ValueError("'behaviour' is required")
                if sticky:
                    fake.set_default(behaviour, to, **options)
                else:
                    fake.push(behaviour, to, **options)
            elif path == "/_fake/fault-rate":
                options = dict(data)
                rate = options.pop("rate", None)
                seed = options.pop("seed", None)
                behaviour = options.pop("behaviour", SERVER_ERROR)
                fake.set_fault_rate(rate, seed, behaviour=behaviour, **options)
            elif path == "/_fake/callbacks":
                enabled = data.get("enabled")
                if not isinstance(enabled, bool):
                    raise ValueError("'enabled' must be true or false")
                fake.callbacks = enabled
            else:
                return _Answer(404, {"error": f"no control endpoint {path}"})
        except (TypeError, ValueError) as exc:
            return _Answer(400, {"error": str(exc)})
        return _Answer(200, {"ok": True})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a fake Twilio Messages API until stopped.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--account-sid", default=DEFAULT_ACCOUNT_SID)
    parser.add_argument("--auth-token", default=DEFAULT_AUTH_TOKEN)
    parser.add_argument("--callbacks", action="store_true", help="POST signed status callbacks")
    parser.add_argument("--callback-delay", type=float, default=0.02)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    fake = FakeTwilio(
        args.account_sid,
        args.auth_token,
        host=args.host,
        port=args.port,
        callbacks=args.callbacks,
        callback_delay=args.callback_delay,
        verbose=args.verbose,
    )
    try:
        if args.fault_rate:
            fake.set_fault_rate(args.fault_rate, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    done = threading.Event()
    # SIGINT explicitly too: a shell starting us in the background sets it to "ignore".
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    url = fake.start()
    print(url, flush=True)  # the first line is the contract: harnesses read it to find the port
    try:
        done.wait()
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
