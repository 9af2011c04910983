"""The sweep: due checks open and their first message goes out through the outbox, once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from followup.dispatch import SWEEP_LOCK_ID, dispatch_due
from followup.models import Checkpoint, CheckpointStatus
from followup.services.enrollments import enrollment_withdraw
from notifications.models import OutboundMessage, OutboundStatus
from patients.services import patient_opt_out
from tests.factories import PatientFactory, enroll

UTC = dt.UTC
PERFORMED = dt.date(2026, 6, 1)
ENROLLED_AT = dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
# ESI has no 48 h check: its first check is day 14 (2026-06-15) at 10:00 Chicago = 15:00 UTC.
D14_SEND = dt.datetime(2026, 6, 15, 15, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(clinic, bob):
    patient = PatientFactory(clinic=clinic, time_zone="America/Chicago", phone="+15125550177")
    return enroll(
        patient=patient, physician=bob, procedure="ESI", performed_on=PERFORMED, now=ENROLLED_AT
    )


def d14(enrollment) -> Checkpoint:
    return enrollment.checkpoints.get(key="d14")


def test_nothing_opens_before_its_send_time(enrollment, sms_outbox, drain):
    summary = dispatch_due(now=D14_SEND - dt.timedelta(minutes=1))
    drain()
    assert summary["checks_opened"] == 0
    assert d14(enrollment).status == CheckpointStatus.SCHEDULED
    assert sms_outbox == []


def test_a_due_check_opens_and_its_first_text_goes_out_once(enrollment, clinic, sms_outbox, drain):
    summary = dispatch_due(now=D14_SEND)
    assert summary["checks_opened"] == 1
    checkpoint = d14(enrollment)
    assert checkpoint.status == CheckpointStatus.OPEN and checkpoint.opened_at == D14_SEND
    assert checkpoint.channel == "sms"
    drain()
    dispatch_due(now=D14_SEND + dt.timedelta(minutes=1))
    drain()
    assert len(sms_outbox) == 1
    text = sms_outbox[0]
    assert text["to"] == "+15125550177"
    assert clinic.name in text["body"] and "STOP" in text["body"]
    assert (
        "ESI" not in text["body"] and "epidural" not in text["body"].lower()
    )  # no diagnosis in texts
    row = OutboundMessage.objects.get(checkpoint=checkpoint)
    assert row.status == OutboundStatus.SENT and row.provider_id == text["sid"] and row.unsolicited


def test_quiet_hours_defer_the_check_to_the_next_allowed_morning(enrollment, sms_outbox, drain):
    Checkpoint.objects.filter(pk=d14(enrollment).pk).update(
        send_at=dt.datetime(2026, 6, 16, 3, 0, tzinfo=UTC)  # 22:00 CDT
    )
    dispatch_due(now=dt.datetime(2026, 6, 16, 3, 0, tzinfo=UTC))
    drain()
    checkpoint = d14(enrollment)
    assert checkpoint.status == CheckpointStatus.SCHEDULED
    assert checkpoint.status_reason == "deferred: quiet hours"
    assert checkpoint.send_at == dt.datetime(2026, 6, 16, 13, 0, tzinfo=UTC)  # 08:00 CDT
    assert sms_outbox == []
    dispatch_due(now=dt.datetime(2026, 6, 16, 13, 0, tzinfo=UTC))
    drain()
    assert d14(enrollment).status == CheckpointStatus.OPEN and len(sms_outbox) == 1


def test_the_daily_cap_defers_a_second_unsolicited_text(clinic, bob, sms_outbox, drain):
    patient = PatientFactory(clinic=clinic)
    first = enroll(
        patient=patient, physician=bob, procedure="ESI", performed_on=PERFORMED, now=ENROLLED_AT
    )
    second = enroll(
        patient=patient,
        physician=bob,
        procedure="FACET_SI",
        performed_on=PERFORMED,
        now=ENROLLED_AT,
    )
    dispatch_due(now=D14_SEND)
    drain()
    statuses = sorted([d14(first).status, d14(second).status])
    assert statuses == [CheckpointStatus.OPEN, CheckpointStatus.SCHEDULED]
    deferred = d14(first) if d14(first).status == CheckpointStatus.SCHEDULED else d14(second)
    assert deferred.status_reason == "deferred: message limit"
    assert deferred.send_at >= D14_SEND + dt.timedelta(days=1)
    assert len(sms_outbox) == 1
    dispatch_due(now=deferred.send_at)
    drain()
    assert len(sms_outbox) == 2


def test_an_unanswered_check_becomes_missed_when_its_window_closes(enrollment, drain):
    dispatch_due(now=D14_SEND)
    checkpoint = d14(enrollment)
    dispatch_due(now=checkpoint.closes_at - dt.timedelta(seconds=1))
    assert d14(enrollment).status == CheckpointStatus.OPEN
    summary = dispatch_due(now=checkpoint.closes_at)
    assert summary["checks_missed"] == 1
    missed = d14(enrollment)
    assert (
        missed.status == CheckpointStatus.MISSED
        and missed.status_reason == "window closed unanswered"
    )


def test_withdrawal_cancels_everything_not_yet_sent(enrollment, sms_outbox, drain):
    dispatch_due(now=D14_SEND)  # opening text queued but not yet sent
    enrollment_withdraw(enrollment=enrollment, reason="patient request")
    drain()
    for later in (D14_SEND + dt.timedelta(days=1), D14_SEND + dt.timedelta(days=400)):
        dispatch_due(now=later)
        drain()
    assert sms_outbox == []
    assert not enrollment.checkpoints.filter(status__in=["scheduled", "open"]).exists()
    assert OutboundMessage.objects.filter(status=OutboundStatus.CANCELLED).count() == 1


def test_opt_out_means_nothing_more_is_sent(enrollment, sms_outbox, drain):
    patient = enrollment.patient
    patient_opt_out(patient=patient, source="STOP")
    for later in (D14_SEND, D14_SEND + dt.timedelta(days=100), D14_SEND + dt.timedelta(days=400)):
        dispatch_due(now=later)
        drain()
    assert sms_outbox == []
    reasons = set(enrollment.checkpoints.values_list("status_reason", flat=True))
    assert "opted out of texts, no email" in reasons


def test_an_opted_out_patient_with_email_gets_the_check_by_email(
    enrollment, sms_outbox, drain, mailoutbox
):
    patient = enrollment.patient
    patient.email = "ana@example.org"
    patient.save()
    patient_opt_out(patient=patient, source="STOP")
    dispatch_due(now=D14_SEND)
    drain()
    assert sms_outbox == []
    assert [m.to for m in mailoutbox] == [["ana@example.org"]]


@pytest.mark.postgres_only  # a PostgreSQL advisory lock; SQLite serialises writers itself
def test_a_sweep_skips_when_another_holds_the_lock(enrollment):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [SWEEP_LOCK_ID])
        assert dispatch_due(now=D14_SEND) == {"skipped": "locked"}
        assert d14(enrollment).status == CheckpointStatus.SCHEDULED
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_ID])
    finally:
        other.close()
    assert dispatch_due(now=D14_SEND)["checks_opened"] == 1


@pytest.mark.postgres_only  # SKIP LOCKED: SQLite locks the whole database instead
@pytest.mark.django_db(transaction=True)
def test_rows_locked_by_another_sweep_are_skipped_not_doubled(clinic, bob, sms_outbox, drain):
    patients = [PatientFactory(clinic=clinic) for _ in range(2)]
    enrollments = [
        enroll(patient=p, physician=bob, procedure="ESI", performed_on=PERFORMED, now=ENROLLED_AT)
        for p in patients
    ]
    locked_id = d14(enrollments[0]).pk
    holding, release = threading.Event(), threading.Event()

    def hold_row_lock():
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute(
                "SELECT id FROM followup_checkpoint WHERE id = %s FOR UPDATE", [locked_id]
            )
            holding.set()
            release.wait(10)
            cursor.execute("ROLLBACK")
        connections["default"].close()

    thread = threading.Thread(target=hold_row_lock)
    thread.start()
    holding.wait(5)
    try:
        summary = dispatch_due(now=D14_SEND)
    finally:
        release.set()
        thread.join()
    assert summary["checks_opened"] == 1
    assert d14(enrollments[0]).status == CheckpointStatus.SCHEDULED
    assert d14(enrollments[1]).status == CheckpointStatus.OPEN
    assert dispatch_due(now=D14_SEND)["checks_opened"] == 1
    drain()
    assert len(sms_outbox) == 2


@pytest.mark.postgres_only  # reads PostgreSQL's EXPLAIN output
def test_the_sweep_query_uses_the_partial_index(enrollment):
    # A fresh table is tiny, so forbid the sequential scan to see that an index can serve the query.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = Checkpoint.objects.filter(
            status=CheckpointStatus.SCHEDULED, send_at__lte=D14_SEND
        )
        plan = queryset.explain()
    assert "checkpoint_due_idx" in plan


def test_the_command_runs_one_sweep_as_of_a_given_time(enrollment, capsys):
    call_command("dispatch_due", "--as-of", "2026-06-15T15:00:00Z")
    assert '"checks_opened": 1' in capsys.readouterr().out
    assert d14(enrollment).status == CheckpointStatus.OPEN


def test_the_command_rejects_a_bad_time():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("dispatch_due", "--as-of", "next tuesday")
