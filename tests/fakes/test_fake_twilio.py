"""The fake Twilio server, driven through the real twilio SDK and RewritingHttpClient.

Pure pytest: run with ``-p no:django``.
"""

from __future__ import annotations

import json
import random
import select
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
from twilio.base import exceptions as twilio_exceptions
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from notifications.twilio_http import RewritingHttpClient, build_http_client, parse_retry_after
from tests.fakes.fake_twilio import FakeTwilio, count_segments

SID = "AC" + "1234abcd" * 4
TOKEN = "s3cret-token"
FROM = "+15005550006"
ALICE = "+15551230001"
BOB = "+15551230002"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


def sdk_client(
    url: str, *, token: str = TOKEN, timeout: float = 5.0
) -> tuple[Client, RewritingHttpClient]:
    http_client = RewritingHttpClient(url, timeout)
    return Client(SID, token, http_client=http_client), http_client


def send(client: Client, to: str = ALICE, body: str = "How is your pain today? Reply 0-10.", **kw):
    return client.messages.create(to=to, from_=FROM, body=body, **kw)


def control(url: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        url + path, data=data, method="GET" if data is None else "POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# -- the happy path ----------------------------------------------------------------------------


def test_it_sends_through_the_real_sdk_and_records_params_and_auth(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    callback = "https://clinic.example/webhooks/twilio/status/?delivery=42"

    message = send(client, status_callback=callback)

    assert message.sid.startswith("SM") and len(message.sid) == 34
    int(message.sid[2:], 16)  # the rest is hex
    assert message.status == "queued"
    assert (message.to, message.from_, message.account_sid) == (ALICE, FROM, SID)
    assert message.error_code is None
    assert message.num_segments == "1"
    assert message.date_created.tzinfo is not None
    [recorded] = fake.messages
    assert recorded["sid"] == message.sid
    assert recorded["to"] == ALICE and recorded["from"] == FROM
    assert recorded["body"] == "How is your pain today? Reply 0-10."
    assert recorded["status_callback"] == callback
    assert recorded["messaging_service_sid"] is None
    assert recorded["auth"] == {"username": SID, "password": TOKEN}
    [attempt] = fake.requests
    assert attempt["response_status"] == 201 and attempt["sid"] == message.sid


def test_it_accepts_a_messaging_service_instead_of_a_from_number(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)

    message = client.messages.create(to=ALICE, messaging_service_sid="MG" + "0" * 32, body="Hi")

    assert message.status == "accepted"  # Twilio has yet to pick a sender from the pool
    assert fake.messages[0]["messaging_service_sid"] == "MG" + "0" * 32
    assert fake.messages[0]["from"] is None


def test_it_fetches_and_lists_sent_messages(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    first, second = send(client, to=ALICE), send(client, to=BOB)

    assert client.messages(first.sid).fetch().to == ALICE
    assert [m.sid for m in client.messages.list(to=BOB)] == [second.sid]
    assert [m.sid for m in client.messages.list()] == [second.sid, first.sid]
    with pytest.raises(TwilioRestException) as info:
        client.messages("SM" + "0" * 32).fetch()
    assert (info.value.status, info.value.code) == (404, 20404)


def test_it_counts_segments_like_twilio() -> None:
    assert count_segments("a" * 160) == 1
    assert count_segments("a" * 161) == 2
    assert count_segments("[" * 80) == 1  # extension characters cost two septets
    assert count_segments("[" * 81) == 2
    assert count_segments("It’s fine") == 1  # a curly quote forces UCS-2 ...
    assert count_segments("It’s" + "a" * 70) == 2  # ... which holds only 70 characters


# -- authentication and validation -------------------------------------------------------------


def test_it_rejects_a_wrong_token_with_twilios_401(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url, token="not-the-token")

    with pytest.raises(TwilioRestException) as info:
        send(client)

    assert (info.value.status, info.value.code) == (401, 20003)
    assert "Authenticate" in info.value.msg
    assert fake.messages == []
    assert fake.requests[0]["response_status"] == 401
    assert fake.requests[0]["auth"] == {"username": SID, "password": "not-the-token"}


def test_it_rejects_missing_or_garbled_basic_auth(fake: FakeTwilio) -> None:
    for headers in ({}, {"Authorization": "Basic !!!notbase64"}, {"Authorization": "Bearer x"}):
        response = requests.post(
            f"{fake.url}/2010-04-01/Accounts/{SID}/Messages.json",
            data={"To": ALICE, "From": FROM, "Body": "x"},
            headers=headers,
            timeout=5,
        )
        assert response.status_code == 401
        assert response.json() == {
            "code": 20003,
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }
    assert fake.messages == []


def test_it_validates_required_params_like_twilio(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)

    with pytest.raises(TwilioRestException) as no_sender:
        client.messages.create(to=ALICE, body="x")
    with pytest.raises(TwilioRestException) as no_body:
        client.messages.create(to=ALICE, from_=FROM)
    with pytest.raises(TwilioRestException) as too_long:
        send(client, body="x" * 1601)

    assert [e.value.code for e in (no_sender, no_body, too_long)] == [21603, 21602, 21617]
    assert fake.messages == []


def test_it_answers_404_for_another_account_and_unknown_paths(fake: FakeTwilio) -> None:
    response = requests.post(
        f"{fake.url}/2010-04-01/Accounts/AC{'9' * 32}/Messages.json",
        data={"To": ALICE, "From": FROM, "Body": "x"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert response.status_code == 404 and response.json()["code"] == 20404
    assert requests.get(f"{fake.url}/nope", timeout=5).status_code == 404


# -- error behaviours --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behaviour", "status", "code"),
    [
        ("invalid_number", 400, 21211),
        ("unsubscribed", 400, 21610),
        ("unreachable", 400, 30006),
        ("rate_limited", 429, 20429),
        ("server_error", 500, 20500),
    ],
)
def test_it_raises_the_sdk_exception_with_twilios_code(
    fake: FakeTwilio, behaviour: str, status: int, code: int
) -> None:
    client, _ = sdk_client(fake.url)
    fake.push(behaviour)

    with pytest.raises(TwilioRestException) as info:
        send(client)

    assert (info.value.status, info.value.code) == (status, code)
    assert fake.messages == []
    assert fake.requests[0]["behaviour"] == behaviour
    # one-shot: the next send goes through
    assert send(client).status == "queued"


def test_it_uses_twilios_error_json_shape(fake: FakeTwilio) -> None:
    fake.push("invalid_number")
    response = requests.post(
        f"{fake.url}/2010-04-01/Accounts/{SID}/Messages.json",
        data={"To": "+1555", "From": FROM, "Body": "x"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "code": 21211,
        "message": "Invalid 'To' Phone Number: +1555",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }


def test_it_exposes_retry_after_to_the_caller_after_a_429(fake: FakeTwilio) -> None:
    client, http_client = sdk_client(fake.url)
    fake.push("rate_limited", retry_after=7)

    with pytest.raises(TwilioRestException) as info:
        send(client)

    assert info.value.status == 429
    assert http_client.last_response.headers["Retry-After"] == "7"
    assert http_client.last_retry_after() == 7.0


def test_it_keeps_the_last_response_per_thread(fake: FakeTwilio) -> None:
    client, http_client = sdk_client(fake.url)
    fake.push("rate_limited", to=BOB, retry_after=3)
    seen: dict[str, float | None] = {}

    def worker() -> None:
        with pytest.raises(TwilioRestException):
            send(client, to=BOB)
        seen["worker"] = http_client.last_retry_after()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    send(client, to=ALICE)

    assert seen["worker"] == 3.0
    assert http_client.last_retry_after() is None  # this thread's 201 has no Retry-After
    assert http_client.last_response.status_code == 201


def test_it_raises_a_twilio_exception_for_problem_json(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    fake.push("problem", status=400, code=21211, detail="The 'To' number is not valid.")

    with pytest.raises(TwilioException) as info:
        send(client)

    error = info.value
    service_exception = getattr(twilio_exceptions, "TwilioServiceException", None)
    if service_exception is not None:  # twilio-python >= 9.10 parses RFC 9457 bodies
        assert isinstance(error, service_exception)
        assert not isinstance(error, TwilioRestException)
        assert error.title == "Invalid 'To' Phone Number"
        assert error.detail == "The 'To' number is not valid."
        assert error.type == "https://www.twilio.com/docs/errors/21211"
    assert (error.status, error.code) == (400, 21211)
    assert fake.requests[0]["response_status"] == 400


def test_it_sends_problem_json_with_its_content_type(fake: FakeTwilio) -> None:
    fake.push("problem", status=429, code=20429, title="Too Many Requests")
    response = requests.post(
        f"{fake.url}/2010-04-01/Accounts/{SID}/Messages.json",
        data={"To": ALICE, "From": FROM, "Body": "x"},
        auth=(SID, TOKEN),
        timeout=5,
    )
    assert response.status_code == 429
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {k: body[k] for k in ("status", "code", "title")} == {
        "status": 429,
        "code": 20429,
        "title": "Too Many Requests",
    }
    assert body["type"] == "https://www.twilio.com/docs/errors/20429" and body["detail"]


def test_it_answers_a_custom_error(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    fake.push("error", status=400, code=21408, message="Permission to send an SMS not enabled")

    with pytest.raises(TwilioRestException) as info:
        send(client)

    assert (info.value.status, info.value.code) == (400, 21408)
    assert "Permission to send" in info.value.msg


# -- rule selection ----------------------------------------------------------------------------


def test_it_applies_rules_only_to_their_number(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    fake.push("unsubscribed", to=BOB)

    assert send(client, to=ALICE).status == "queued"  # Bob's rule stays queued
    with pytest.raises(TwilioRestException) as info:
        send(client, to=BOB)
    assert info.value.code == 21610
    assert send(client, to=BOB).status == "queued"  # and was used once


def test_it_keeps_a_per_number_default_until_reset(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    fake.set_default("unreachable", to=BOB)

    for _ in range(3):
        with pytest.raises(TwilioRestException) as info:
            send(client, to=BOB)
        assert info.value.code == 30006
    assert send(client, to=ALICE).status == "queued"

    fake.reset()
    assert send(client, to=BOB).status == "queued"
    assert len(fake.messages) == 1 and len(fake.requests) == 1


def test_it_prefers_queued_rules_over_the_default(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    fake.set_default("server_error")
    fake.push("ok")

    assert send(client).status == "queued"
    with pytest.raises(TwilioRestException) as info:
        send(client)
    assert info.value.status == 500


@pytest.mark.parametrize(
    ("behaviour", "options", "match"),
    [
        ("explode", {}, "unknown behaviour"),
        ("hang", {"second": 5}, "takes no option"),
        ("hang", {"seconds": -1}, "seconds"),
        ("rate_limited", {"retry_after": "soon"}, "retry_after"),
        ("error", {"status": 400}, "needs both"),
        ("problem", {"status": 200}, "HTTP error status"),
        ("problem", {"code": "21211"}, "integer"),
    ],
)
def test_it_rejects_bad_behaviours(fake: FakeTwilio, behaviour: str, options: dict, match: str):
    with pytest.raises(ValueError, match=match):
        fake.push(behaviour, **options)
    with pytest.raises(ValueError, match=match):
        fake.set_default(behaviour, **options)


def test_it_rejects_bad_fault_rates(fake: FakeTwilio) -> None:
    for rate in (-0.1, 1.5, "0.3", True):
        with pytest.raises(ValueError):
            fake.set_fault_rate(rate, seed=1)
    with pytest.raises(ValueError):
        fake.set_fault_rate(0.3, seed="1")


# -- timeouts and the ambiguous send -----------------------------------------------------------


def test_it_hangs_until_the_client_times_out_and_records_the_attempt(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url, timeout=0.5)
    fake.push("hang")

    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        send(client)

    assert time.monotonic() - started < 3
    assert fake.messages == []
    [attempt] = fake.requests
    assert attempt["behaviour"] == "hang" and attempt["response_status"] is None


def test_it_answers_after_a_short_hang(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url, timeout=5)
    fake.push("hang", seconds=0.2)

    with pytest.raises(TwilioRestException) as info:
        send(client)

    assert info.value.status == 500
    assert fake.messages == []


def test_it_records_an_accepted_late_message_as_sent_though_the_client_timed_out(
    fake: FakeTwilio,
) -> None:
    client, _ = sdk_client(fake.url, timeout=0.5)
    fake.push("accept_late")

    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        send(client, to=BOB)

    assert time.monotonic() - started < 3
    [message] = fake.messages
    assert message["to"] == BOB and message["status"] == "queued"
    assert fake.requests[0]["sid"] == message["sid"]


def test_it_answers_201_after_accepting_late_when_the_client_waits(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url, timeout=5)
    fake.push("accept_late", seconds=0.3)

    started = time.monotonic()
    message = send(client)

    assert time.monotonic() - started >= 0.3
    assert fake.messages[0]["sid"] == message.sid


def test_it_stops_promptly_while_a_request_hangs() -> None:
    fake = FakeTwilio(SID, TOKEN)
    url = fake.start()
    fake.push("hang")
    client, _ = sdk_client(url, timeout=10)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            send(client)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    thread = threading.Thread(target=sender)
    thread.start()
    assert fake.wait_for(lambda f: len(f.requests) == 1, timeout=3)
    started = time.monotonic()
    fake.stop()
    thread.join(timeout=5)

    assert time.monotonic() - started < 3
    assert not thread.is_alive()
    assert isinstance(errors[0], requests.exceptions.ConnectionError)


# -- random faults -----------------------------------------------------------------------------


def fault_pattern(fake: FakeTwilio, client: Client, count: int) -> list[int]:
    outcomes = []
    for _ in range(count):
        try:
            send(client)
            outcomes.append(201)
        except TwilioRestException as exc:
            outcomes.append(exc.status)
    return outcomes


def test_it_injects_seeded_faults_reproducibly(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)

    fake.set_fault_rate(0.3, seed=1234)
    first = fault_pattern(fake, client, 30)
    sent = len(fake.messages)
    fake.reset()
    fake.set_fault_rate(0.3, seed=1234)
    second = fault_pattern(fake, client, 30)

    rng = random.Random(1234)
    expected = [500 if rng.random() < 0.3 else 201 for _ in range(30)]
    assert first == second == expected
    assert 0 < expected.count(500) < 30
    assert sent == expected.count(201)


def test_it_turns_faults_off_with_rate_zero(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)
    fake.set_fault_rate(1.0, seed=1, behaviour="unreachable")
    with pytest.raises(TwilioRestException):
        send(client)

    fake.set_fault_rate(0)

    assert send(client).status == "queued"


# -- status callbacks --------------------------------------------------------------------------


class _CallbackSink:
    """A tiny webhook receiver standing in for the clinic's status endpoint."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], str]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                params = {k: v[0] for k, v in parse_qs(raw).items()}
                sink.received.append((params, self.headers.get("X-Twilio-Signature", "")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/twilio/status/?d=7"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink() -> Iterator[_CallbackSink]:
    receiver = _CallbackSink()
    yield receiver
    receiver.close()


def test_it_posts_signed_status_callbacks_when_enabled(sink: _CallbackSink) -> None:
    with FakeTwilio(SID, TOKEN, callbacks=True) as fake:
        client, _ = sdk_client(fake.url)
        message = send(client, status_callback=sink.url)
        assert fake.wait_for(lambda f: len(f.callbacks_sent) == 2)
        fetched = client.messages(message.sid).fetch()

    assert [p["MessageStatus"] for p, _ in sink.received] == ["sent", "delivered"]
    validator = RequestValidator(TOKEN)
    for params, signature in sink.received:
        assert params["MessageSid"] == message.sid and params["To"] == ALICE
        assert validator.validate(sink.url, params, signature)
        assert not RequestValidator("other-token").validate(sink.url, params, signature)
    assert [c["http_status"] for c in fake.callbacks_sent] == [204, 204]
    assert fetched.status == "delivered"


def test_it_reports_undelivered_with_an_error_code(sink: _CallbackSink) -> None:
    with FakeTwilio(SID, TOKEN, callbacks=True) as fake:
        client, _ = sdk_client(fake.url)
        fake.push("undelivered")
        message = send(client, status_callback=sink.url)
        assert fake.wait_for(lambda f: len(f.callbacks_sent) == 2)

    assert message.status == "queued"  # the API call itself succeeds
    final, _ = sink.received[-1]
    assert (final["MessageStatus"], final["ErrorCode"]) == ("undelivered", "30006")
    assert "ErrorCode" not in sink.received[0][0]


def test_it_posts_no_callbacks_by_default(fake: FakeTwilio, sink: _CallbackSink) -> None:
    client, _ = sdk_client(fake.url)
    send(client, status_callback=sink.url)

    assert not fake.wait_for(lambda f: len(f.callbacks_sent) > 0, timeout=0.3)
    assert sink.received == []


# -- the HTTP control API and the CLI ----------------------------------------------------------


def test_it_is_programmable_over_http(fake: FakeTwilio) -> None:
    client, _ = sdk_client(fake.url)

    assert control(fake.url, "/_fake/behaviour", {"behaviour": "invalid_number", "to": BOB}) == (
        200,
        {"ok": True},
    )
    status, body = control(fake.url, "/_fake/behaviour", {"behaviour": "nope"})
    assert status == 400 and "unknown behaviour" in body["error"]
    status, body = control(fake.url, "/_fake/fault-rate", {"rate": 2})
    assert status == 400
    assert control(fake.url, "/_fake/nothing", {})[0] == 404

    with pytest.raises(TwilioRestException) as info:
        send(client, to=BOB)
    assert info.value.code == 21211
    send(client, to=ALICE)

    assert [m["to"] for m in control(fake.url, "/_fake/messages")[1]["messages"]] == [ALICE]
    assert len(control(fake.url, "/_fake/requests")[1]["requests"]) == 2
    assert control(fake.url, "/_fake/reset", {})[0] == 200
    assert fake.messages == [] and fake.requests == []


def test_it_rejects_malformed_control_bodies(fake: FakeTwilio) -> None:
    for raw in (b"{not json", b"[1, 2]"):
        request = urllib.request.Request(fake.url + "/_fake/behaviour", data=raw, method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=5)
        assert info.value.code == 400


def test_it_runs_as_a_cli_process_controlled_over_http() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.fake_twilio", "--port", "0"]
        + ["--account-sid", SID, "--auth-token", TOKEN],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 10)
        assert ready, "the fake did not print its URL"
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        client, _ = sdk_client(url)

        assert control(url, "/_fake/health")[1]["account_sid"] == SID
        control(url, "/_fake/behaviour", {"behaviour": "rate_limited", "retry_after": 2})
        with pytest.raises(TwilioRestException) as info:
            send(client)
        assert info.value.status == 429
        message = send(client)
        control(url, "/_fake/fault-rate", {"rate": 1, "seed": 3, "behaviour": "unsubscribed"})
        with pytest.raises(TwilioRestException) as faulted:
            send(client)
        assert faulted.value.code == 21610

        messages = control(url, "/_fake/messages")[1]["messages"]
        assert [m["sid"] for m in messages] == [message.sid]
        assert messages[0]["auth"] == {"username": SID, "password": TOKEN}
        statuses = [r["response_status"] for r in control(url, "/_fake/requests")[1]["requests"]]
        assert statuses == [429, 201, 400]
        control(url, "/_fake/reset", {})
        assert control(url, "/_fake/requests")[1]["requests"] == []
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0


# -- RewritingHttpClient -----------------------------------------------------------------------


def test_it_rewrites_only_twilio_hosts_keeping_path_and_query() -> None:
    client = RewritingHttpClient("http://127.0.0.1:8765", 2)
    path = f"/2010-04-01/Accounts/{SID}/Messages.json?PageSize=20"

    assert client.rewrite_url("https://api.twilio.com" + path) == "http://127.0.0.1:8765" + path
    assert client.rewrite_url("https://messaging.twilio.com/v1/Services") == (
        "http://127.0.0.1:8765/v1/Services"
    )
    assert client.rewrite_url("https://api.dublin.ie1.twilio.com/x") == "http://127.0.0.1:8765/x"
    assert client.rewrite_url("https://example.com/x") == "https://example.com/x"
    assert client.rewrite_url("https://nottwilio.com/x") == "https://nottwilio.com/x"
    assert client.rewrite_url("https://twilio.com.evil.example/x") == (
        "https://twilio.com.evil.example/x"
    )


def test_it_keeps_a_base_path_prefix() -> None:
    client = RewritingHttpClient("https://proxy.internal/twilio/", 2)

    assert client.rewrite_url("https://api.twilio.com/2010-04-01/Accounts.json") == (
        "https://proxy.internal/twilio/2010-04-01/Accounts.json"
    )


def test_it_always_has_a_timeout() -> None:
    assert RewritingHttpClient("http://127.0.0.1:1", 2.5).timeout == 2.5
    for bad in (0, -1, None, "5", True, float("nan")):
        with pytest.raises(ValueError):
            RewritingHttpClient("http://127.0.0.1:1", bad)


@pytest.mark.parametrize(
    "base_url",
    ["", "   ", "127.0.0.1:8765", "ftp://127.0.0.1", "http://", "http://h/?a=1", "http://h:x"],
)
def test_it_rejects_unusable_base_urls(base_url: str) -> None:
    with pytest.raises(ValueError):
        RewritingHttpClient(base_url, 2)


def test_it_builds_a_plain_client_for_twilio_and_a_rewriting_one_otherwise() -> None:
    for api_url in (None, "", "https://api.twilio.com", "https://api.twilio.com/"):
        http_client = build_http_client(api_url=api_url, timeout=3)
        assert type(http_client) is TwilioHttpClient and http_client.timeout == 3.0
    rewriting = build_http_client(api_url="http://127.0.0.1:8765", timeout=3)
    assert isinstance(rewriting, RewritingHttpClient) and rewriting.timeout == 3.0
    with pytest.raises(ValueError):
        build_http_client(api_url="http://127.0.0.1:8765", timeout=0)
    with pytest.raises(ValueError):
        build_http_client(api_url="not a url", timeout=3)


def test_it_reads_the_proxy_environment_once_and_honours_no_proxy(monkeypatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/clinic-ca.pem")

    client = build_http_client(api_url=None, timeout=3)

    assert client.proxy == {"https": "http://egress.example:3128"}
    assert client.session.verify == "/etc/ssl/clinic-ca.pem"
    assert client.session.trust_env is False  # not looked up again on every send
    monkeypatch.setenv("NO_PROXY", "api.twilio.com")
    assert build_http_client(api_url=None, timeout=3).proxy == {}


def test_it_parses_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)

    assert parse_retry_after("12") == 12.0
    assert parse_retry_after(later, now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-3") is None
    assert parse_retry_after(None) is None


def test_it_fails_fast_when_nothing_listens() -> None:
    with FakeTwilio(SID, TOKEN) as fake:
        url = fake.url
    client, _ = sdk_client(url, timeout=1)

    with pytest.raises(requests.exceptions.ConnectionError):
        send(client)
