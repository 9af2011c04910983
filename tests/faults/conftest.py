"""Real processes for the fault-injection scenarios (issue 7).

Everything runs as it does in production, on this machine:

- PostgreSQL: the suite's throwaway cluster (``scripts/run_tests.py``). Every process uses the
  *test* database pytest-django created; the scenarios use ``transactional_db`` so what they write
  is committed and visible to the other processes.
- Redis: a server of our own (:class:`scripts.services.RedisServer`) that a scenario may stop and
  start again on the same port. This pytest process's Celery app is pointed at it too, so rows the
  tests write are queued where the workers listen.
- the fake Twilio, in this process (a thread): its record of accepted messages is the ground truth
  for "sent exactly once". Each message's status-callback URL carries the outbox row's id.
- gunicorn with the production settings (API, webhooks); the fake posts status callbacks there.
- Celery workers and beats, started per test by :class:`Processes` in their own process groups,
  so a scenario can SIGKILL a worker with its pool children the way an OOM killer or a host
  failure would.

Clocks are shortened so the suite runs in minutes: one sweep a second, a row left "sending" is
recovered after 5 s, Twilio calls time out after 1 s, retries back off from 1 s, a send waits at
most 1 s for a rate-limit token. SMS pacing (notifications/ratelimit.py) is off unless a scenario
turns it on: at a long code's 1 SMS/s the 200-text batch alone would take minutes.
"""

from __future__ import annotations

import collections
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings

from notifications.twilio_signature import twilio_signature
from scripts.processes import Proc
from scripts.services import RedisServer, free_port, wait_for_port
from tests.fakes.fake_twilio import FakeTwilio

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 60

SENDING_TIMEOUT_SECONDS = 5
TWILIO_TIMEOUT_SECONDS = 1.0
BACKOFF_BASE_SECONDS = 1
SWEEP_INTERVAL_SECONDS = 1.0
OUR_NUMBER = "+15005550006"
PASSWORD = "pw-for-tests-1"
SMS_PATH = "/webhooks/twilio/sms/"
STATUS_PATH = "/webhooks/twilio/status/"


# --------------------------------------------------------------------------- helpers


def wait_until(
    predicate: Callable[[], object],
    *,
    timeout: float,
    interval: float = 0.2,
    what: str = "",
    details: Callable[[], object] | None = None,
) -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout``
    (with ``details()`` in the message, when given)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f": {details()}" if details else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what or predicate}{extra}")
        time.sleep(interval)


def database_url_for_processes() -> str:
    """The test database pytest-django created (same host, port and user as the suite's)."""
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def row_id_of(fake_message: dict) -> int | None:
    """The outbox row a fake Twilio message was sent for (its status callback's ``?m=``)."""
    callback = fake_message.get("status_callback") or ""
    values = parse_qs(urlsplit(callback).query).get("m")
    return int(values[0]) if values else None


def sends_per_row(fake: FakeTwilio) -> collections.Counter:
    """How many times Twilio accepted each outbox row's text."""
    return collections.Counter(row_id_of(m) for m in fake.messages)


def assert_sent_exactly_once(fake: FakeTwilio, row_ids: Iterable[int]) -> None:
    """Every row reached Twilio exactly once, and nothing else did."""
    counts = sends_per_row(fake)
    expected = set(row_ids)
    doubled = {pk: n for pk, n in counts.items() if n > 1}
    assert not doubled, f"texts sent more than once: {doubled}"
    missing = expected - set(counts)
    assert not missing, f"{len(missing)} rows never reached Twilio: {sorted(missing)[:20]}"
    extra = set(counts) - expected
    assert not extra, f"Twilio got texts for unexpected rows: {sorted(extra, key=str)[:20]}"


# --------------------------------------------------------------------------- processes


@dataclass
class Stack:
    """What every scenario shares: the environment of its processes and where they log."""

    env: dict
    logdir: Path
    redis: RedisServer
    fake: FakeTwilio
    web_url: str
    procs: list[Proc] = field(default_factory=list)

    def logs(self) -> str:
        """Everything every process of the session has logged so far."""
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.logdir.glob("*.log")))


class Processes:
    """Workers and beats for one test; all stopped when it ends."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.started: list[Proc] = []
        self._count = 0

    def _name(self, kind: str, name: str) -> str:
        self._count += 1
        return f"{kind}-{name}-{os.getpid()}-{self._count}-{time.monotonic_ns() % 100000}"

    def worker(
        self, name: str = "w", *, concurrency: int = 2, env: dict | None = None, wait: bool = True
    ) -> Proc:
        full = self._name("worker", name)
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            "-l",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"{full}@%h",
        ]
        proc = Proc.spawn(full, cmd, {**self.stack.env, **(env or {})}, self.stack.logdir)
        self.started.append(proc)
        if wait:
            proc.wait_for_output("ready.")
        return proc

    def beat(self, name: str = "b", *, env: dict | None = None) -> Proc:
        full = self._name("beat", name)
        schedule = self.stack.logdir / f"{full}.schedule"
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-l",
            "INFO",
            "--schedule",
            str(schedule),
        ]
        proc = Proc.spawn(full, cmd, {**self.stack.env, **(env or {})}, self.stack.logdir)
        self.started.append(proc)
        proc.wait_for_output("beat: Starting")
        return proc

    def logs(self) -> str:
        """What this test's workers and beats have logged."""
        return "\n".join(proc.log.read_text(errors="replace") for proc in self.started)

    def stop_all(self) -> None:
        # The scenario has asserted its end state: no need for a warm shutdown.
        for proc in reversed(self.started):
            proc.kill()


def _point_celery_at(url: str) -> str:
    """Make this process's Celery app publish to ``url``; returns the previous broker URL."""
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    # Not closed: kombu keeps one pool per URL for the process, and the next test reuses it.
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    return previous


def gunicorn_start(name: str, *, port: int, env: dict, logdir: Path) -> Proc:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "2",
        "-k",
        "gthread",
        "--threads",
        "4",
        "--timeout",
        "30",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
    ]
    proc = Proc.spawn(name, cmd, env, logdir)
    wait_for_port(port, timeout=START_SECONDS)
    deadline = time.monotonic() + START_SECONDS
    while True:  # the port opens before Django is loaded: wait for a real answer
        try:
            requests.get(f"http://127.0.0.1:{port}/api/schema/", timeout=5, allow_redirects=False)
            return proc
        except requests.RequestException:
            if not proc.alive() or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{proc.output()}")
            time.sleep(0.2)


def production_env(**overrides: str) -> dict:
    """The environment of a production process, minus anything site-specific."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "TWILIO_", "OUTBOX_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "faults-only-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,followup.example",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url_for_processes(),
            "DB_CONN_MAX_AGE": "0",
            "SMS_BACKEND": "notifications.backends.twilio.TwilioBackend",
            "TWILIO_ACCOUNT_SID": settings.TWILIO_ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": settings.TWILIO_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": settings.TWILIO_FROM_NUMBER,
            "TWILIO_TIMEOUT_SECONDS": str(TWILIO_TIMEOUT_SECONDS),
            "OUTBOX_BACKOFF_BASE_SECONDS": str(BACKOFF_BASE_SECONDS),
            "OUTBOX_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT_SECONDS),
            "SWEEP_INTERVAL_SECONDS": str(SWEEP_INTERVAL_SECONDS),
            "SMS_RATE_LIMIT_PER_SECOND": "0",
            "SMS_RATE_LIMIT_MAX_WAIT_SECONDS": "1",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(overrides)
    return env


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def stack(django_db_setup) -> Iterator[Stack]:
    """Redis, the fake Twilio and gunicorn for the whole session (workers are per test)."""
    logdir = Path(tempfile.mkdtemp(prefix="faults-"))
    redis = RedisServer().start()
    fake = FakeTwilio(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    fake.start()
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    env = production_env(
        REDIS_URL=redis.url,
        TWILIO_API_URL=fake.url,
        PUBLIC_BASE_URL=web_url,
        # The scenarios are the proxy: the client address is the last X-Forwarded-For entry.
        TRUSTED_PROXY_HOPS="1",
        # Emails are "sent" in memory: no SMTP server here, and the console backend would
        # print patients' addresses into the very logs item 9 scans for PHI.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    stack = Stack(env=env, logdir=logdir, redis=redis, fake=fake, web_url=web_url)
    web = gunicorn_start("web", port=web_port, env=env, logdir=logdir)
    stack.procs.append(web)
    try:
        yield stack
    finally:
        web.stop()
        fake.stop()
        redis.stop()


@pytest.fixture
def fake_twilio(stack: Stack) -> Iterator[FakeTwilio]:
    """The session's fake Twilio, reset for this test (callbacks off unless the test turns them on)."""
    stack.fake.reset()
    stack.fake.callbacks = False
    yield stack.fake
    stack.fake.callbacks = False
    stack.fake.reset()


@pytest.fixture
def processes(transactional_db, stack: Stack, fake_twilio) -> Iterator[Processes]:
    """Start workers and beats for this test; they are stopped before its data is flushed."""
    if not stack.redis.process:
        stack.redis.start()
    _purge_queue()
    procs = Processes(stack)
    try:
        yield procs
    finally:
        procs.stop_all()
        _purge_queue()


def _purge_queue() -> None:
    from config.celery import app

    with contextlib.suppress(Exception):
        app.control.purge()


@pytest.fixture(autouse=True)
def production_like(settings, stack: Stack) -> Iterator[None]:
    """This process sends and reconciles the way the workers do (sweeps run here too)."""
    from notifications.backends import sms_backend_reset

    settings.SMS_BACKEND = "notifications.backends.twilio.TwilioBackend"
    settings.TWILIO_API_URL = stack.fake.url
    settings.TWILIO_TIMEOUT_SECONDS = TWILIO_TIMEOUT_SECONDS
    settings.OUTBOX_BACKOFF_BASE_SECONDS = BACKOFF_BASE_SECONDS
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = SENDING_TIMEOUT_SECONDS
    settings.PUBLIC_BASE_URL = stack.web_url
    sms_backend_reset()
    # Rows this process writes are queued where the scenario's workers listen; the rest of the
    # session (integration tests) gets the suite's own Redis back.
    previous_broker = _point_celery_at(stack.redis.url)
    try:
        yield
    finally:
        from notifications.publisher import publisher, reply_publisher

        publisher.flush(5)
        reply_publisher.flush(5)
        _point_celery_at(previous_broker)
        sms_backend_reset()


# --------------------------------------------------------------------------- HTTP


def signed_post(
    base_url: str,
    path: str,
    params: dict,
    *,
    public_url: str | None = None,
    headers: dict | None = None,
    timeout: float = 10,
) -> requests.Response:
    """POST form ``params`` to ``base_url + path`` signed as Twilio signs for ``public_url``."""
    signature = twilio_signature((public_url or base_url) + path, params)
    return requests.post(
        base_url + path,
        data=params,
        headers={"X-Twilio-Signature": signature, **(headers or {})},
        timeout=timeout,
        allow_redirects=False,
    )


def inbound_params(*, sid: str, from_: str, body: str) -> dict:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": from_,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


# --------------------------------------------------------------------------- results


@pytest.fixture
def report(stack: Stack, request) -> Callable[..., None]:
    """Record a scenario's counts: printed (``-s``/``-rA``) and appended to a JSON-lines file
    (``FAULTS_REPORT``, default ``<logdir>/report.jsonl``) that docs/reliability.md is written from."""
    import json

    path = Path(os.environ.get("FAULTS_REPORT") or stack.logdir / "report.jsonl")

    def record(**counts: object) -> None:
        entry = {"test": request.node.name, **counts}
        with open(path, "a") as out:
            out.write(json.dumps(entry, default=str) + "\n")
        print(f"\n[faults] {json.dumps(entry, default=str)}")

    return record


# --------------------------------------------------------------------------- a clinic


@dataclass
class Site:
    """A clinic ready for follow-up at any hour, with an API token and an on-call roster."""

    clinic: object
    nurse: object
    physician: object
    token: str
    members: dict

    def api(self, web_url: str, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Token {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, web_url + path, headers=headers, timeout=15, **kwargs)

    def enrollment_body(self, *, mrn: str, phone: str, days_ago: int = 95, **patient) -> dict:
        """An ESI enrollment whose 3-month check is due at once (enrolled late)."""
        import datetime as dt

        from django.utils import timezone

        return {
            "patient": {
                "first_name": patient.pop("first_name", "Ana"),
                "last_name": patient.pop("last_name", "Ruiz"),
                "date_of_birth": "1961-04-02",
                "mrn": mrn,
                "phone": phone,
                "time_zone": patient.pop("time_zone", "America/Chicago"),
                "language": "en",
                "preferred_channel": "sms",
                **patient,
            },
            "procedure": "ESI",
            "performed_on": (timezone.localdate() - dt.timedelta(days=days_ago)).isoformat(),
            "clinic": self.clinic.slug,
            "physician": self.physician.username,
            "baseline": {"pain": 6},
        }


@pytest.fixture
def site(transactional_db) -> Site:
    import datetime as dt

    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from followup.models import OnCallShift
    from patients.models import Role
    from tests.factories import ClinicFactory, MembershipFactory, UserFactory

    clinic = ClinicFactory(
        slug="fault-spine",
        name="Fault Spine",
        quiet_hours_start=dt.time(0, 0),
        quiet_hours_end=dt.time(0, 0),
    )
    now = timezone.now()
    members = {}
    for username, role, shift in (
        ("nina", Role.TRIAGE_NURSE, None),
        ("bob", Role.PHYSICIAN, "primary"),
        ("bea", Role.PHYSICIAN, "backup"),
        ("lena", Role.PHYSICIAN, "lead"),
        ("adam", Role.CLINIC_ADMIN, None),
    ):
        member = MembershipFactory(user=UserFactory(username=username), clinic=clinic, role=role)
        members[username] = member
        if shift:
            OnCallShift.objects.create(
                clinic=clinic,
                user=member.user,
                role=shift,
                starts_at=now - dt.timedelta(days=1),
                ends_at=now + dt.timedelta(days=3),
            )
    # The test settings hash with MD5, which the production settings (gunicorn) refuse; a
    # PBKDF2 hash with few iterations is accepted (and upgraded at the first sign-in).
    password = PBKDF2PasswordHasher().encode(PASSWORD, "faults-salt-1234", iterations=1000)
    for member in members.values():
        member.user.password = password
        member.user.save(update_fields=["password"])
    token, _ = Token.objects.get_or_create(user=members["nina"].user)
    return Site(
        clinic=clinic,
        nurse=members["nina"].user,
        physician=members["bob"].user,
        token=token.key,
        members=members,
    )


def open_check(site: Site, *, phone: str, days_ago: int = 95, **patient_fields):
    """Enroll a new patient whose check is due, and open it with one sweep in this process (the
    opening text is queued to the workers, if any are running)."""
    import datetime as dt

    from django.utils import timezone

    from followup.dispatch import dispatch_due
    from followup.models import Checkpoint, CheckpointStatus
    from tests.factories import PatientFactory, enroll

    now = timezone.now()
    patient = PatientFactory(clinic=site.clinic, phone=phone, **patient_fields)
    enrollment = enroll(
        patient=patient,
        physician=site.physician,
        performed_on=(now - dt.timedelta(days=days_ago)).date(),
        now=now,
    )
    dispatch_due(now=now)
    return Checkpoint.objects.get(enrollment=enrollment, status=CheckpointStatus.OPEN)
