"""Item 6: two beat processes running by mistake, each queuing a sweep every second, and two
workers taking them, while a third sweeper (this process) runs the sweep steps *without* the
advisory lock. The lock makes overlapping sweeps skip; where it is bypassed, the row claims
(``SELECT ... FOR UPDATE SKIP LOCKED``, conditional updates, unique keys) still hold: every check
opens once, every page round pages each person once, every text reaches Twilio once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from followup.dispatch import checkpoints_open_due
from followup.models import Checkpoint, CheckpointStatus, Escalation, Page
from followup.services.escalations import escalations_repage_due
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_sweep
from tests.factories import PatientFactory, enroll

from .conftest import (
    SMS_PATH,
    assert_sent_exactly_once,
    inbound_params,
    open_check,
    signed_post,
    wait_until,
)

pytestmark = [pytest.mark.faults]

CHECKS = 40
FLAGS = 3


def _unlocked_sweeper(stop: threading.Event, rounds: list[int]) -> None:
    """The sweep's steps with no lock at all, as fast as they will go."""
    try:
        while not stop.is_set():
            now = timezone.now()
            checkpoints_open_due(now=now)
            escalations_repage_due(now=now)
            outbox_sweep(now=now)
            rounds.append(1)
            stop.wait(0.25)
    finally:
        connections.close_all()


def test_it_sends_nothing_twice_with_two_beats_and_an_unlocked_sweeper(
    processes, fake_twilio, site, stack, report
):
    for name in ("one", "two"):
        processes.worker(name, concurrency=2, wait=False)
    for proc in processes.started:
        proc.wait_for_output("ready.")

    # Three red flags, paged to the primary when they were raised ...
    for i in range(FLAGS):
        phone = f"+15123330{i:03d}"
        open_check(site, phone=phone, days_ago=20)  # the 2-week check lists breathing first
        params = inbound_params(sid=f"SMbeat{i:026d}", from_=phone, body="1")
        assert signed_post(stack.web_url, SMS_PATH, params).status_code == 200
    wait_until(
        lambda: Escalation.objects.count() == FLAGS,
        timeout=30,
        what="the workers to take the yeses",
    )
    # ... and nobody answered for 25 minutes: the backup's and the lead's rounds are both due.
    Escalation.objects.update(
        created_at=timezone.now() - dt.timedelta(minutes=25), next_page_at=timezone.now()
    )
    # Forty checks come due at once.
    now = timezone.now()
    for _ in range(CHECKS):
        enroll(
            patient=PatientFactory(clinic=site.clinic),
            physician=site.physician,
            performed_on=(now - dt.timedelta(days=95)).date(),
            now=now,
        )

    stop, rounds = threading.Event(), []
    rogue = threading.Thread(target=_unlocked_sweeper, args=(stop, rounds))
    processes.beat("one")
    processes.beat("two")
    rogue.start()
    try:
        wait_until(
            lambda: (
                Checkpoint.objects.filter(key="m3", status=CheckpointStatus.OPEN).count() == CHECKS
            ),
            timeout=30,
            what="every due check opened",
        )
        time.sleep(3)  # let both beats keep sweeping over the same rows
    finally:
        stop.set()
        rogue.join(30)
    wait_until(
        lambda: (
            not OutboundMessage.objects.filter(
                channel="sms", status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING]
            ).exists()
        ),
        timeout=30,
        what="the outbox to drain",
    )

    sent = OutboundMessage.objects.filter(channel="sms", status=OutboundStatus.SENT)
    assert_sent_exactly_once(fake_twilio, sent.values_list("pk", flat=True))
    openings = OutboundMessage.objects.filter(purpose="check_open")
    assert openings.count() == CHECKS + FLAGS
    assert openings.values("checkpoint").distinct().count() == CHECKS + FLAGS
    # Rounds 0 (primary), 1 (backup) and 2 (lead) for each flag, one SMS page each, once.
    pages = Page.objects.filter(channel="sms")
    assert sorted(pages.values_list("step", flat=True)) == sorted([0, 1, 2] * FLAGS)
    for member in ("bob", "bea", "lena"):
        phone = site.members[member].page_phone
        assert [m["to"] for m in fake_twilio.messages].count(phone) == FLAGS, member
    logs = processes.logs()
    skipped = logs.count("sweep skipped: another sweep holds the lock")
    swept = logs.count("INFO/ForkPoolWorker-1] sweep {") + logs.count(
        "INFO/ForkPoolWorker-2] sweep {"
    )
    per_beat = [
        proc.output(10**7).count("Scheduler: Sending due task dispatch-due")
        for proc in processes.started
        if proc.name.startswith("beat-")
    ]
    queued = sum(per_beat)
    assert len(per_beat) == 2 and min(per_beat) >= 2, per_beat  # both beats kept queuing sweeps
    assert swept + skipped >= 3
    report(
        scenario="6 two beats (and a lock-less sweeper)",
        due_checks=CHECKS,
        flags=FLAGS,
        sweeps_queued_by_the_beats=queued,
        sweeps_run=swept,
        sweeps_skipped_on_lock=skipped,
        unlocked_sweep_rounds=len(rounds),
        texts_sent=len(fake_twilio.messages),
        duplicates=len(fake_twilio.messages) - sent.count(),
        pages_per_person_per_round=1,
    )
