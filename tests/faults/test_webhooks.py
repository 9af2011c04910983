"""Item 5: Twilio's webhooks delivered the way Twilio delivers them, through gunicorn.

The same inbound text five times at once and again a day later is stored and processed once;
status callbacks that are duplicated and arrive out of order never move a row backwards and fire
their consequences once; signatures are checked against the public URL behind a TLS-terminating
proxy (with and without ``:443``) and fail on any altered parameter.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import requests
from django.utils import timezone

from followup.dispatch import dispatch_due
from followup.models import Answer, TimelineEvent
from notifications.models import InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from notifications.twilio_signature import twilio_signature
from scripts.services import free_port

from .conftest import (
    SMS_PATH,
    STATUS_PATH,
    Proc,
    assert_sent_exactly_once,
    gunicorn_start,
    inbound_params,
    open_check,
    signed_post,
    wait_until,
)

pytestmark = [pytest.mark.faults]


def _parallel(calls: int, send) -> list[requests.Response]:
    """Run ``send()`` ``calls`` times at the same instant, from as many threads."""
    barrier = threading.Barrier(calls)
    results: list = [None] * calls

    def run(index: int) -> None:
        barrier.wait()
        results[index] = send()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def _settled() -> bool:
    return not OutboundMessage.objects.filter(
        channel="sms",
        status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING, OutboundStatus.UNKNOWN],
    ).exists()


def test_it_processes_an_inbound_text_once_when_twilio_delivers_it_five_times_and_a_day_later(
    processes, fake_twilio, site, stack, report
):
    processes.worker()
    checkpoint = open_check(site, phone="+15124440001")
    wait_until(lambda: len(fake_twilio.messages) == 1, timeout=20, what="the first question")
    params = inbound_params(sid="SM" + "d" * 32, from_="+15124440001", body="no")

    responses = _parallel(5, lambda: signed_post(stack.web_url, SMS_PATH, params))
    assert [r.status_code for r in responses] == [200] * 5
    wait_until(lambda: len(fake_twilio.messages) == 2, timeout=20, what="the second question")

    # A day later Twilio (or someone who captured the request) sends it again.
    InboundMessage.objects.filter(message_sid=params["MessageSid"]).update(
        received_at=timezone.now() - dt.timedelta(days=1)
    )
    dispatch_due(now=timezone.now())
    replay = signed_post(stack.web_url, SMS_PATH, params)
    assert replay.status_code == 200
    wait_until(_settled, timeout=20, what="the outbox to settle")

    inbound = InboundMessage.objects.get(message_sid=params["MessageSid"])
    assert (inbound.status, inbound.attempts) == (InboundStatus.PROCESSED, 1)
    assert InboundMessage.objects.count() == 1
    # The red-flag checklist: one reply ("no" = none of these), one answer per item.
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 2
    rows = OutboundMessage.objects.filter(to="+15124440001")
    assert rows.count() == 2  # the first question and the answer's follow-up, once each
    assert_sent_exactly_once(fake_twilio, rows.values_list("pk", flat=True))
    report(
        scenario="5 inbound webhook x5 in parallel + replay a day later",
        deliveries=6,
        stored=InboundMessage.objects.count(),
        processed=1,
        answers=1,
        replies_sent=1,
    )


def _callback(stack, row: OutboundMessage, status: str, *, error_code: str = ""):
    params = {
        "MessageSid": row.provider_id,
        "SmsSid": row.provider_id,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": "AC" + "0" * 32,
    }
    if error_code:
        params["ErrorCode"] = error_code
    return signed_post(stack.web_url, f"{STATUS_PATH}?m={row.pk}", params)


def test_it_never_regresses_a_status_and_reacts_once_to_duplicated_out_of_order_callbacks(
    processes, fake_twilio, site, stack, report
):
    processes.worker()
    delivered = open_check(site, phone="+15124440011")
    failed = open_check(site, phone="+15124440012", email="eve@example.org")
    wait_until(lambda: len(fake_twilio.messages) == 2, timeout=20, what="two opening texts")
    row = OutboundMessage.objects.get(checkpoint=delivered)
    lost = OutboundMessage.objects.get(checkpoint=failed)
    wait_until(
        lambda: (
            OutboundMessage.objects.filter(
                pk__in=[row.pk, lost.pk], provider_id__isnull=False
            ).count()
            == 2
        ),
        timeout=10,
        what="provider ids recorded",
    )
    row.refresh_from_db()
    lost.refresh_from_db()

    # Delivered arrives first, three times at once; then the stragglers, also duplicated.
    statuses = []
    statuses += _parallel(3, lambda: _callback(stack, row, "delivered"))
    statuses += _parallel(2, lambda: _callback(stack, row, "sent"))
    for late in ("sending", "queued", "failed"):
        statuses.append(_callback(stack, row, late))
    # An undelivered text, reported four times at once: one fallback email, one timeline entry.
    statuses += _parallel(4, lambda: _callback(stack, lost, "undelivered", error_code="30005"))
    statuses.append(_callback(stack, lost, "sent"))
    assert {r.status_code for r in statuses} == {200}

    row.refresh_from_db()
    lost.refresh_from_db()
    assert (row.status, row.provider_status) == (OutboundStatus.DELIVERED, "delivered")
    assert (lost.status, lost.provider_status) == (OutboundStatus.UNDELIVERED, "undelivered")
    assert TimelineEvent.objects.filter(kind="delivery_fallback").count() == 1
    assert OutboundMessage.objects.filter(channel="email", checkpoint=failed).count() == 1
    report(
        scenario="5 status callbacks duplicated and out of order",
        callbacks=len(statuses),
        final_statuses=[row.status, lost.status],
        fallback_emails=1,
        regressions=0,
    )


# --------------------------------------------------------------------------- behind a TLS proxy

PUBLIC = "https://followup.example"


@pytest.fixture(scope="module")
def proxied_web(stack) -> Iterator[tuple[str, Proc]]:
    """gunicorn as it runs behind a TLS-terminating proxy: public URL https, SSL redirect on."""
    port = free_port()
    env = {**stack.env, "PUBLIC_BASE_URL": PUBLIC}
    env.pop("SECURE_SSL_REDIRECT")
    proc = gunicorn_start("web-behind-proxy", port=port, env=env, logdir=stack.logdir)
    yield f"http://127.0.0.1:{port}", proc
    proc.stop()


def _through_proxy(base: str, path: str, params: dict, *, signed_for: str, host: str, **extra):
    headers = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "54.172.60.1"}
    headers.update(extra.pop("headers", {}))
    signature = extra.pop("signature", None) or twilio_signature(signed_for + path, params)
    return requests.post(
        base + path,
        data=extra.pop("data", params),
        headers={"X-Twilio-Signature": signature, **headers},
        timeout=10,
        allow_redirects=False,
    )


def test_it_checks_signatures_behind_a_tls_proxy_with_and_without_the_port(
    transactional_db, proxied_web, report
):
    base, _proc = proxied_web
    ok = []
    for n, (signed_for, host) in enumerate(
        [
            (PUBLIC, "followup.example"),
            ("https://followup.example:443", "followup.example"),
            ("https://followup.example:443", "followup.example:443"),
            (PUBLIC, "followup.example:443"),
        ]
    ):
        params = inbound_params(sid=f"SMproxy{n:026d}", from_="+15124449000", body="hello")
        response = _through_proxy(base, SMS_PATH, params, signed_for=signed_for, host=host)
        ok.append(response.status_code)
    assert ok == [200, 200, 200, 200]
    assert InboundMessage.objects.count() == 4

    # Every kind of tampering is refused, and nothing is stored.
    params = inbound_params(sid="SMproxy" + "9" * 26, from_="+15124449000", body="hello")
    good = twilio_signature(PUBLIC + SMS_PATH, params)
    tampered = {
        "body changed": {**params, "Body": "hello!"},
        "sender changed": {**params, "From": "+15124449001"},
        "parameter added": {**params, "Extra": "1"},
        "parameter removed": {k: v for k, v in params.items() if k != "NumMedia"},
        "sid changed": {**params, "MessageSid": "SMproxy" + "8" * 26},
    }
    refused = {}
    for what, data in tampered.items():
        response = _through_proxy(
            base,
            SMS_PATH,
            params,
            signed_for=PUBLIC,
            host="followup.example",
            data=data,
            signature=good,
        )
        refused[what] = response.status_code
    wrong_host = _through_proxy(
        base, SMS_PATH, params, signed_for="https://evil.example", host="followup.example"
    )
    refused["signed for another host"] = wrong_host.status_code
    plain_http = _through_proxy(
        base,
        SMS_PATH,
        params,
        signed_for="http://followup.example",
        host="followup.example",
        headers={"X-Forwarded-Proto": "http"},
    )
    refused["signed for http"] = plain_http.status_code
    assert set(refused.values()) <= {403, 301}, refused
    assert list(refused.values()).count(403) >= len(tampered) + 1
    # The status callback's query string is signed too: another row id is refused.
    status = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"}
    signature = twilio_signature(f"{PUBLIC}{STATUS_PATH}?m=1", status)
    moved = _through_proxy(
        base,
        f"{STATUS_PATH}?m=2",
        status,
        signed_for=PUBLIC,
        host="followup.example",
        signature=signature,
    )
    assert moved.status_code == 403
    assert InboundMessage.objects.count() == 4
    report(
        scenario="5 signatures behind a TLS proxy",
        accepted_with_and_without_443=ok.count(200),
        tampered_refused=sum(1 for code in refused.values() if code == 403),
        refused=refused,
    )
