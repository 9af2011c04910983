"""The dead-man's switch: every sweep records its heartbeat; a late sweep shows a banner on every
staff page and emails the clinic admins once per incident; an outside URL is pinged."""

from __future__ import annotations

import http.server
import threading

import pytest
from django.core import mail

from followup.dispatch import SweepIncomplete
from followup.monitoring.alerts import alerts_notice
from followup.monitoring.models import AlertKind, OpsAlert, SweepHeartbeat
from followup.monitoring.sweep_run import sweep_run_recorded
from followup.tasks import dispatch_due_task

from .conftest import heartbeat

pytestmark = pytest.mark.django_db


def test_it_records_every_completed_sweep_with_its_summary(clinic):
    dispatch_due_task()
    dispatch_due_task()
    beat = SweepHeartbeat.objects.get(name="dispatch")
    assert beat.ok and beat.runs == 2 and beat.failures == 0
    assert beat.completed_at is not None and beat.duration_seconds >= 0
    assert beat.summary["checks_opened"] == 0 and "outbox_queued" in beat.summary


def test_a_failed_sweep_is_recorded_but_not_as_completed_and_still_raises(clinic):
    heartbeat(minutes_ago=3)
    before = SweepHeartbeat.objects.get().completed_at

    def broken() -> dict:
        raise SweepIncomplete("escalations_repage_due")

    with pytest.raises(SweepIncomplete):
        sweep_run_recorded(broken)
    beat = SweepHeartbeat.objects.get()
    assert beat.ok is False and beat.failures == 1
    assert beat.error == "SweepIncomplete: escalations_repage_due"
    assert beat.completed_at == before


def test_a_sweep_skipped_for_the_lock_records_nothing(clinic):
    sweep_run_recorded(lambda: {"skipped": "locked"})
    assert not SweepHeartbeat.objects.exists()


def test_a_late_sweep_shows_a_banner_on_staff_pages(client, alice, clinic):
    heartbeat(minutes_ago=20)
    client.force_login(alice)
    page = client.get("/queue/").content.decode()
    assert 'data-alert="sweep_late"' in page and "sweep is late" in page
    assert 'data-alert="sweep_late"' in client.get("/outcomes/").content.decode()


def test_no_banner_when_the_sweep_is_on_time(client, alice, clinic):
    heartbeat(minutes_ago=1)
    client.force_login(alice)
    assert "ops-banner" not in client.get("/queue/").content.decode()


def test_the_admins_are_emailed_once_per_incident(client, alice, erin, clinic):
    heartbeat(minutes_ago=20)
    client.force_login(alice)
    client.get("/queue/")
    client.get("/queue/")
    alerts_notice(force=True)  # a worker noticing too
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["erin@clinic.example"]
    assert "Sweep late" in mail.outbox[0].subject
    assert OpsAlert.objects.filter(kind=AlertKind.SWEEP_LATE, resolved_at=None).count() == 1

    dispatch_due_task()  # the sweep is back: the incident ends and the banner goes
    assert not OpsAlert.objects.filter(resolved_at=None).exists()
    assert "ops-banner" not in client.get("/queue/").content.decode()

    heartbeat(minutes_ago=30)  # late again: a new incident, a new email
    client.get("/queue/")
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_processes_noticing_at_once_send_one_email(erin, clinic):
    """Four threads with their own database connections race to open the incident."""
    heartbeat(minutes_ago=20)
    barrier = threading.Barrier(4)
    errors = []

    def notice() -> None:
        from django.db import connection

        try:
            barrier.wait()
            alerts_notice(force=True)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=notice) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert OpsAlert.objects.filter(kind=AlertKind.SWEEP_LATE).count() == 1
    assert len(mail.outbox) == 1


class _Monitor(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        _Monitor.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def monitor(settings):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Monitor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Monitor.hits = []
    settings.SWEEP_HEARTBEAT_URL = f"http://127.0.0.1:{server.server_port}/ping/abc"
    yield _Monitor.hits
    server.shutdown()
    server.server_close()


def _wait_for(hits: list, n: int) -> None:
    import time

    deadline = time.monotonic() + 5
    while len(hits) < n and time.monotonic() < deadline:
        time.sleep(0.02)


def test_it_pings_the_heartbeat_url_after_each_sweep_and_fail_after_a_failed_one(monitor, clinic):
    dispatch_due_task()
    _wait_for(monitor, 1)
    assert monitor == ["/ping/abc"]

    def broken() -> dict:
        raise SweepIncomplete("outbox_sweep")

    with pytest.raises(SweepIncomplete):
        sweep_run_recorded(broken)
    _wait_for(monitor, 2)
    assert monitor == ["/ping/abc", "/ping/abc/fail"]


def test_an_unreachable_or_slow_monitor_never_fails_or_delays_the_sweep(settings, clinic):
    import time

    settings.SWEEP_HEARTBEAT_URL = "http://127.0.0.1:1/ping"  # refused
    started = time.monotonic()
    dispatch_due_task()
    assert time.monotonic() - started < 2
    assert SweepHeartbeat.objects.get().ok


def test_a_non_http_heartbeat_url_is_refused(settings, clinic):
    from followup.monitoring.heartbeat import heartbeat_ping

    settings.SWEEP_HEARTBEAT_URL = "file:///etc/passwd"
    assert heartbeat_ping(ok=True) is None


def test_a_worker_notices_after_any_task(erin, clinic):
    """config.celery's workers send task_postrun after every task; the monitoring app listens."""
    from celery.signals import task_postrun

    heartbeat(minutes_ago=20)
    task_postrun.send(sender=None, task_id="t1", task=None)
    assert OpsAlert.objects.filter(kind=AlertKind.SWEEP_LATE, resolved_at=None).count() == 1
    assert len(mail.outbox) == 1


def test_the_demo_clock_does_not_make_the_sweep_late(settings, clinic, monkeypatch):
    """The demo clock moves timezone.now forward by days; lateness is measured in real time."""
    from django.utils import timezone

    from followup.monitoring.alerts import sweep_state

    dispatch_due_task()
    real = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real() + __import__("datetime").timedelta(days=14))
    assert sweep_state()["late"] is False


class RefusingEmailBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages) -> int:
        raise ConnectionRefusedError("smtp down")


def test_an_email_the_mail_server_refused_is_retried_by_the_next_check(settings, erin, clinic):
    heartbeat(minutes_ago=20)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    alerts_notice(force=True)
    alert = OpsAlert.objects.get(kind=AlertKind.SWEEP_LATE)
    assert alert.emailed_at is None and mail.outbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alerts_notice(force=True)
    alerts_notice(force=True)
    assert len(mail.outbox) == 1
    assert OpsAlert.objects.get().emailed == 1
