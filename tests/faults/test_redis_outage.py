"""Item 2 and 4c: Redis stopped for 60 s while patients are enrolled and checks are dispatched.

Nothing that matters lives only in Redis: an enrollment, a check opened by a sweep and a reply to
a patient are rows committed in PostgreSQL. Publishing a send task is a background afterthought
(``notifications.publisher``), so neither the API nor Twilio's webhook waits for a dead broker,
and when Redis comes back (empty: it kept nothing) the next sweep queues every due row.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest
from django.utils import timezone

from followup.models import Checkpoint, CheckpointStatus
from notifications.models import InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from scripts.services import free_port

from .conftest import (
    ROOT,
    SMS_PATH,
    assert_sent_exactly_once,
    gunicorn_start,
    inbound_params,
    signed_post,
    wait_until,
)

pytestmark = [pytest.mark.faults]

OUTAGE_SECONDS = float(os.environ.get("FAULTS_REDIS_OUTAGE_SECONDS", "60"))
WEBHOOK_LIMIT_SECONDS = 1.0


def _sms_rows():
    return OutboundMessage.objects.filter(channel="sms")


def _enroll(site, stack, index: int, group: str) -> tuple[int, float]:
    body = site.enrollment_body(mrn=f"R-{group}-{index}", phone=f"+1512777{index:04d}")
    started = time.monotonic()
    response = site.api(stack.web_url, "post", "/api/v1/enrollments/", json=body)
    return response.status_code, time.monotonic() - started


def _dispatch_command(stack) -> tuple[int, float]:
    """``manage.py dispatch_due`` as an operator would run it, with the production settings."""
    import subprocess
    import sys

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "dispatch_due"],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    (stack.logdir / "dispatch-command.log").write_text(done.stdout + done.stderr)
    return done.returncode, time.monotonic() - started


def test_it_keeps_enrolling_and_sends_every_due_text_once_across_a_redis_outage(
    processes, fake_twilio, site, stack, report
):
    processes.worker(concurrency=2)
    processes.beat()

    # Before: two patients enrolled, their checks open, the first question reaches them.
    for i in range(2):
        assert _enroll(site, stack, i, "before")[0] == 201
    wait_until(lambda: len(fake_twilio.messages) == 2, timeout=30, what="the two opening texts")
    before_phone = "+15127770000"

    # Redis goes away for a minute.
    stack.redis.stop()
    down_at = time.monotonic()
    enrolled = [_enroll(site, stack, 10 + i, "during") for i in range(5)]
    command_exit, command_seconds = _dispatch_command(stack)
    opened_during = Checkpoint.objects.filter(
        enrollment__patient__mrn__startswith="R-during", status=CheckpointStatus.OPEN
    ).count()
    webhook = []
    for n, body in enumerate(("no", "no")):
        started = time.monotonic()
        response = signed_post(
            stack.web_url,
            SMS_PATH,
            inbound_params(sid=f"SM{'0' * 28}{n:04d}", from_=before_phone, body=body),
        )
        webhook.append((response.status_code, time.monotonic() - started))
    enrolled += [_enroll(site, stack, 20 + i, "late") for i in range(3)]
    pending_during = _sms_rows().filter(status=OutboundStatus.PENDING).count()
    stored_during = InboundMessage.objects.filter(status=InboundStatus.RECEIVED).count()
    sent_during = len(fake_twilio.messages)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
    stack.redis.start()
    back_at = time.monotonic()

    # Ten enrolments, each with one opening text; two replies to the patient who answered.
    expected = 2 + 8 + 2
    wait_until(
        lambda: _sms_rows().filter(status=OutboundStatus.SENT).count() == expected,
        timeout=60,
        what=f"{expected} texts sent after Redis returned",
    )
    recovered_in = time.monotonic() - back_at
    time.sleep(2)

    assert [code for code, _ in enrolled] == [201] * 8
    assert command_exit == 0
    assert opened_during == 5
    assert [code for code, _ in webhook] == [200, 200]
    assert max(seconds for _, seconds in webhook) < WEBHOOK_LIMIT_SECONDS
    # The 5 openings wait in the outbox; the 2 replies are stored, their tasks never published:
    # the sweep processes them once Redis is back (they are over a minute old by then).
    assert sent_during == 2 and pending_during == 5 and stored_during == 2
    rows = list(_sms_rows())
    assert len(rows) == expected
    assert {row.status for row in rows} == {OutboundStatus.SENT}
    assert_sent_exactly_once(fake_twilio, [row.pk for row in rows])
    assert InboundMessage.objects.filter(status=InboundStatus.PROCESSED).count() == 2
    assert not Checkpoint.objects.filter(
        enrollment__patient__clinic=site.clinic,
        status=CheckpointStatus.SCHEDULED,
        send_at__lte=timezone.now(),
    ).exists()
    report(
        scenario="2 Redis stopped during enrollment and dispatch",
        outage_seconds=OUTAGE_SECONDS,
        enrollments_during_outage=len(enrolled),
        api_201=sum(1 for code, _ in enrolled if code == 201),
        slowest_api_seconds=round(max(s for _, s in enrolled), 2),
        dispatch_command_seconds=round(command_seconds, 2),
        webhook_slowest_seconds=round(max(s for _, s in webhook), 3),
        rows_waiting_when_redis_returned=pending_during,
        replies_stored_unprocessed_during_outage=stored_during,
        texts_expected=expected,
        texts_sent=len(fake_twilio.messages),
        duplicates=len(fake_twilio.messages) - expected,
        seconds_to_drain_after_return=round(recovered_in, 1),
    )


class _Blackhole:
    """A TCP port that accepts connections and never answers: Redis hung, or a dead route."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server = socket.create_server(("127.0.0.1", self.port), backlog=128)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except OSError:
                continue
            self._held.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for connection in self._held:
            connection.close()
        self._server.close()


def test_it_answers_twilio_within_a_second_while_redis_hangs(site, stack, report):
    """4c with the nastier failure: Redis accepts the connection and never answers."""
    blackhole = _Blackhole()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **stack.env,
        "REDIS_URL": f"redis://127.0.0.1:{blackhole.port}/0",
        "PUBLIC_BASE_URL": url,
    }
    web = gunicorn_start("web-redis-hung", port=port, env=env, logdir=stack.logdir)
    try:
        body = site.enrollment_body(mrn="HUNG-1", phone="+15127779001")
        started = time.monotonic()
        assert site.api(url, "post", "/api/v1/enrollments/", json=body).status_code == 201
        api_seconds = time.monotonic() - started
        timings = []
        for n, text in enumerate(("hello", "STOP", "HELP", "yes")):
            started = time.monotonic()
            response = signed_post(
                url,
                SMS_PATH,
                inbound_params(sid=f"SMhung{n:026d}", from_=f"+1512779{n:04d}", body=text),
                public_url=url,
            )
            timings.append(time.monotonic() - started)
            assert response.status_code == 200, response.text
    finally:
        web.stop()
        blackhole.close()
    assert max(timings) < WEBHOOK_LIMIT_SECONDS, timings
    # The texts are committed rows: a worker or the sweep processes them once Redis answers.
    stored = InboundMessage.objects.filter(message_sid__startswith="SMhung")
    assert stored.filter(status=InboundStatus.RECEIVED).count() == len(timings)
    report(
        scenario="4c webhook while Redis hangs",
        webhooks=len(timings),
        slowest_webhook_seconds=round(max(timings), 3),
        api_seconds=round(api_seconds, 3),
        texts_stored_for_processing=stored.count(),
    )
