"""The demo clock is a demo feature, not a trap (issue 18 item 4): staff stay signed in, pages
show one clock, "advance 3 months" walks so the checks on the way are sent, the demo can be reset
and a busy port is reported."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.template import Context, Template

from demo.clock_walk import clock_walk
from followup import clock
from followup.dispatch import dispatch_due
from followup.models import CheckpointStatus
from notifications.models import OutboundMessage
from tests.factories import PatientFactory, enroll

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.BASE_DIR = tmp_path  # the clock file lives under BASE_DIR/var
    clock.install()
    yield settings
    clock.uninstall()
    clock.reset()


def _enrolled(clinic, physician, procedure="ESI"):
    patient = PatientFactory(clinic=clinic)
    # Performed "today" on the demo clock (timezone.now is the demo's once installed).
    return enroll(
        patient=patient,
        physician=physician,
        procedure=procedure,
        performed_on=clock.now().date(),
    )


def test_staff_stay_signed_in_across_advances(demo, client, clinic, alice):
    client.force_login(alice)
    assert client.get("/queue/").status_code == 200
    # Two weeks is past the session's 12 h cap on the demo's clock: it stays valid on real time.
    response = client.post("/demo/clock/", {"by": "2w"}, HTTP_REFERER="/queue/")
    assert response.status_code == 302 and "/accounts/login/" not in response["Location"]
    page = client.get("/queue/")
    assert page.status_code == 200
    assert clock.offset() >= dt.timedelta(weeks=2)


def test_the_session_is_checked_against_real_time(demo, client, clinic, alice):
    from django.contrib.sessions.backends.db import SessionStore

    client.force_login(alice)
    clock.advance(dt.timedelta(days=91))
    session = SessionStore(session_key=client.session.session_key)
    assert session.get_expiry_date() < clock.now()  # the demo's clock is past it...
    assert session.load()  # ...and the session still loads: real time decides
    assert client.get("/queue/").status_code == 200


def test_ages_and_countdowns_are_on_the_demo_clock(demo, client, clinic, alice):
    clock.advance(dt.timedelta(days=3))
    five_ago = clock.now() - dt.timedelta(minutes=5)
    in_two_hours = clock.now() + dt.timedelta(hours=2, seconds=30)
    rendered = Template("{{ a|timesince }} | {{ b|timeuntil }}").render(
        Context({"a": five_ago, "b": in_two_hours})
    )
    # On real time these would read "0 minutes" (in the future) and "3 days, 2 hours".
    assert rendered == "5\xa0minutes | 2\xa0hours"
    client.force_login(alice)
    page = client.get("/queue/").content.decode()
    offset_ms = int(clock.offset().total_seconds() * 1000)
    assert f'data-clock-offset-ms="{offset_ms}"' in page  # the page's script ages on this clock
    assert "Demo time" in page


def test_outside_the_demo_pages_carry_no_clock(client, clinic, alice):
    client.force_login(alice)
    page = client.get("/queue/").content.decode()
    assert "data-clock-offset-ms" not in page and "Demo time" not in page


def test_a_3_month_walk_sends_every_check_it_passes(demo, clinic, bob):
    enrollment = _enrolled(clinic, bob)
    start = clock.now()
    result = clock_walk(dt.timedelta(days=91))
    assert result["steps"] == 91 * 3
    passed = enrollment.checkpoints.filter(closes_at__lte=start + dt.timedelta(days=91))
    assert passed.exists()
    for checkpoint in passed:
        assert checkpoint.status != CheckpointStatus.SKIPPED, checkpoint.key
        assert OutboundMessage.objects.filter(checkpoint=checkpoint).exists(), checkpoint.key


def test_one_jump_would_have_skipped_them(demo, clinic, bob):
    # The bug the walk fixes: one sweep at the far end finds every window on the way closed.
    enrollment = _enrolled(clinic, bob)
    clock.advance(dt.timedelta(days=91))
    dispatch_due(now=clock.now())
    assert enrollment.checkpoints.filter(status=CheckpointStatus.SKIPPED).exists()


def test_the_walk_refuses_to_go_backwards(demo):
    with pytest.raises(ValueError):
        clock_walk(dt.timedelta(hours=-1))
    with pytest.raises(ValueError):
        clock_walk(dt.timedelta(days=1), step=dt.timedelta(0))


def test_demo_reset_refuses_outside_the_demo(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only in the demo"):
        call_command("demo_reset")


def test_demo_reset_refuses_a_database_that_is_not_the_demos_sqlite(demo):
    # The test database is PostgreSQL: nothing may be deleted.
    with pytest.raises(CommandError, match="SQLite"):
        call_command("demo_reset")


def _demo_env(tmp_path: Path, **extra: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEMO_CLOCK_FILE": str(tmp_path / "demo-clock.json"),
        "DEMO_PASSWORD": "reset-test-password",
        **extra,
    }
    return env


def test_demo_reset_drops_the_database_and_clock_and_reseeds(tmp_path):
    env = _demo_env(tmp_path)
    db = tmp_path / "demo.sqlite3"
    db.write_bytes(b"not a database: the reset must replace it")
    (tmp_path / "demo-clock.json").write_text('{"offset_seconds": 7862400}')
    done = subprocess.run(
        [sys.executable, "manage.py", "demo_reset", "--patients", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Demo reset" in done.stdout
    assert not (tmp_path / "demo-clock.json").exists()
    assert db.read_bytes().startswith(b"SQLite format 3")
    assert (ROOT / ".venv").exists()  # the venv stays


def test_a_busy_demo_port_is_reported_before_anything_starts(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "scripts/demo.py"],
            cwd=ROOT,
            env=_demo_env(tmp_path, DEMO_PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"Port {port} is already in use" in done.stderr
    assert "Demo running" not in done.stdout


@pytest.mark.parametrize("value", ["http", "0", "70000"])
def test_a_demo_port_that_is_not_a_port_is_refused(tmp_path, value):
    done = subprocess.run(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=_demo_env(tmp_path, DEMO_PORT=value),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "not a port number" in done.stderr
    assert "Demo running" not in done.stdout
