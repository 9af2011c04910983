"""The periodic sweep: everything that is due is a database row, found by an indexed query.

One function, :func:`dispatch_due`, is run by the beat task every minute and by
``manage.py dispatch_due``. Each step claims its rows with ``SELECT … FOR UPDATE SKIP LOCKED`` in short
transactions, so two sweeps that overlap by mistake never act on the same row, and a sweep that dies
half way leaves the rest for the next one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_sweep

from .conversation import conversation_open
from .diaries.sending import diary_prompts_send_due
from .dispatch_batch import checkpoints_open_batch
from .frequency_cap import frequency_cap_until
from .models import Checkpoint, CheckpointStatus, EnrollmentStatus
from .reminders import survey_sweep
from .scheduling import local_datetime, next_allowed_time
from .services.escalations import escalations_repage_due
from .services.safety_screens import safety_screens_overdue

logger = logging.getLogger(__name__)

SWEEP_LOCK_ID = 0x5F0110  # arbitrary constant shared by every sweeper


@contextlib.contextmanager
def sweep_lock() -> Iterator[bool]:
    """A PostgreSQL advisory lock so two beats never sweep at once (row claims would still hold)."""
    if connection.vendor != "postgresql":
        yield True  # SQLite (demo) serialises writers itself
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s), pg_backend_pid()", [SWEEP_LOCK_ID])
        acquired, pid = cursor.fetchone()
    _lock_session.pid = pid if acquired else None
    try:
        yield acquired
    finally:
        _lock_session.pid = None
        if acquired and not _same_session(pid):
            # The connection dropped and the lock went with its session; unlocking on a new
            # session would only hide the error that ended the sweep behind another one.
            logger.warning("sweep lock: database session lost; its lock was released with it")
        elif acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_ID])


_lock_session = threading.local()


def _same_session(pid: int) -> bool:
    """True while queries still run in the session ``pid``. After a dropped connection Django
    quietly opens a new session on the next query, and that one does not hold the sweep lock."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0] == pid
    except DatabaseError:
        return False


def sweep_lock_lost() -> bool:
    """True when the current sweep's lock went with a dropped database session."""
    pid = getattr(_lock_session, "pid", None)
    return pid is not None and not _same_session(pid)


class SweepIncomplete(Exception):
    """One or more sweep steps failed; the others ran, and the next sweep retries the rest."""


def dispatch_due(*, now: dt.datetime | None = None) -> dict:
    """Run one sweep as of ``now``; return a summary of what it did.

    Each step commits in its own short transactions, so a step that fails leaves nothing half done
    and the next sweep picks up where it stopped. A failing step does not starve the ones after it
    (a bad protocol row must not stop escalation re-pages); if the database connection itself is
    gone, the sweep stops at once. Either way it raises :class:`SweepIncomplete` at the end, so
    the task and ``manage.py dispatch_due`` report the failure.
    """
    now = now or timezone.now()
    failed: list[str] = []
    with sweep_lock() as acquired:
        if not acquired:
            logger.info("sweep skipped: another sweep holds the lock")
            return {"skipped": "locked"}
        summary: dict = {"as_of": now.isoformat()}
        for step in sweep_steps():
            try:
                summary.update(step(now=now))
            except Exception as exc:  # noqa: BLE001 - isolate the step; re-raised below
                failed.append(step.__name__)
                logger.exception("sweep step %s failed (%s)", step.__name__, type(exc).__name__)
                if sweep_lock_lost():
                    break  # the session (and the sweep lock) is gone: stop, the next sweep resumes
    if failed:
        logger.error("sweep incomplete: %s failed; done so far %s", ", ".join(failed), summary)
        raise SweepIncomplete(", ".join(failed))
    logger.info("sweep %s", summary)
    return summary


def sweep_steps() -> list[Callable[..., dict]]:
    """The sweep's steps in order. Features add theirs here, in one visible place."""
    return [
        checkpoints_open_due,
        diary_prompts_send_due,
        survey_sweep,
        checkpoints_close_expired,
        escalations_repage_due,
        safety_screens_overdue,
        outbox_sweep,
    ]


def _claim_batch(queryset, *, batch: int, defer: tuple[str, ...] = ()) -> list:
    return list(
        # Clinics and protocols are few: dispatch_batch attaches them instead of joining them
        # to every claimed row.
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("enrollment__patient")
        .defer(*defer)[:batch]
    )


# Columns no path that opens a check reads: not fetched for the thousands a morning claims.
_NOT_READ_WHEN_OPENING = (
    "enrollment__patient__first_name",
    "enrollment__patient__last_name",
    "enrollment__patient__date_of_birth",
    "enrollment__patient__mrn",
    "enrollment__patient__opt_out_source",
    "enrollment__patient__phone_invalid_reason",
    "enrollment__patient__sms_consent_at",
    "enrollment__patient__created_at",
    "enrollment__patient__updated_at",
    "enrollment__levels",
    "enrollment__side",
    "enrollment__withdrawn_reason",
    "enrollment__external_id",
    "enrollment__created_at",
    "enrollment__created_by",
    "completed_at",
    "closed_at",
)


def checkpoints_open_due(*, now: dt.datetime) -> dict:
    counts = {"opened": 0, "deferred": 0, "cancelled": 0, "skipped": 0}
    batch = settings.SWEEP_BATCH_SIZE
    while True:
        with transaction.atomic():
            rows = _claim_batch(
                Checkpoint.objects.filter(
                    status=CheckpointStatus.SCHEDULED, send_at__lte=now
                ).order_by("send_at"),
                batch=batch,
                defer=_NOT_READ_WHEN_OPENING,
            )
            # A fixed number of queries per batch for the common case (see dispatch_batch).
            opened = checkpoints_open_batch(rows=rows, now=now, open_one=checkpoint_open)
            for outcome, count in opened.items():
                counts[outcome] += count
        if len(rows) < batch:
            break
    return {f"checks_{k}": v for k, v in counts.items()}


def checkpoint_open(*, checkpoint: Checkpoint, now: dt.datetime) -> str:
    """Open one due checkpoint (row locked by the caller) or record why it cannot go out yet."""
    enrollment = checkpoint.enrollment
    patient = enrollment.patient
    clinic = enrollment.clinic
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return _set(
            checkpoint,
            status=CheckpointStatus.CANCELLED,
            reason=f"enrollment {enrollment.status}",
            now=now,
        )
    if now >= checkpoint.closes_at:
        return _set(
            checkpoint,
            status=CheckpointStatus.SKIPPED,
            reason="window closed before it could go out",
            now=now,
        )
    if not checkpoint.status_reason:
        # The send time was computed in the patient's zone at enrollment; if they have moved west
        # since, it comes early: wait for the protocol's hour where the patient is now.
        local_send = local_datetime(
            checkpoint.target_date, dt.time(settings.FOLLOWUP_SEND_HOUR, 0), patient.time_zone
        )
        if now < local_send < checkpoint.closes_at:
            return _defer(checkpoint, until=local_send, reason="deferred: patient's local hour")
    channel = choose_channel(patient)
    if channel is None:
        if patient.is_opted_out:
            return _set(
                checkpoint,
                status=CheckpointStatus.CANCELLED,
                reason="opted out of texts, no email",
                now=now,
            )
        # Nothing can reach the patient: open it anyway so it shows on the unreachable worklist.
        checkpoint.status = CheckpointStatus.OPEN
        checkpoint.opened_at = now
        checkpoint.status_reason = "unreachable: no working phone or email"
        checkpoint.save(update_fields=["status", "opened_at", "status_reason"])
        return "opened"
    allowed = next_allowed_time(
        now, tz_name=patient.time_zone, start=clinic.quiet_hours_start, end=clinic.quiet_hours_end
    )
    if allowed > now:
        return _defer(checkpoint, until=allowed, reason="deferred: quiet hours")
    capped_until = frequency_cap_until(patient=patient, clinic=clinic, now=now)
    if capped_until is not None:
        return _defer(checkpoint, until=capped_until, reason="deferred: message limit")
    checkpoint.status = CheckpointStatus.OPEN
    checkpoint.opened_at = now
    checkpoint.last_activity_at = now
    checkpoint.channel = channel
    checkpoint.status_reason = ""
    checkpoint.next_reminder_at = _first_reminder_at(checkpoint, now)
    checkpoint.save(
        update_fields=[
            "status",
            "opened_at",
            "last_activity_at",
            "channel",
            "status_reason",
            "next_reminder_at",
        ]
    )
    send_check_opening(checkpoint=checkpoint, channel=channel, now=now)
    return "opened"


def _set(checkpoint: Checkpoint, *, status: str, reason: str, now: dt.datetime) -> str:
    checkpoint.status = status
    checkpoint.status_reason = reason[:200]
    checkpoint.closed_at = now
    checkpoint.save(update_fields=["status", "status_reason", "closed_at"])
    return "cancelled" if status == CheckpointStatus.CANCELLED else "skipped"


def _defer(checkpoint: Checkpoint, *, until: dt.datetime, reason: str) -> str:
    checkpoint.send_at = until
    checkpoint.status_reason = reason
    checkpoint.save(update_fields=["send_at", "status_reason"])
    return "deferred"


def _first_reminder_at(checkpoint: Checkpoint, now: dt.datetime) -> dt.datetime | None:
    spec = _checkpoint_spec(checkpoint).get("reminders") or {}
    if not spec.get("max"):
        return None
    return now + dt.timedelta(hours=spec.get("spacing_hours", 24))


def _checkpoint_spec(checkpoint: Checkpoint) -> dict:
    for spec in checkpoint.enrollment.protocol.checkpoints:
        if spec["key"] == checkpoint.key:
            return spec
    return {}


def choose_channel(patient) -> str | None:
    if patient.preferred_channel == "email" and patient.can_email:
        return "email"
    if patient.can_text:
        return "sms"
    if patient.can_email:
        return "email"
    return None


def send_check_opening(*, checkpoint: Checkpoint, channel: str, now: dt.datetime) -> None:
    """Queue the check's first message: the SMS conversation's greeting and first question, or
    one email with the web-form link. The survey engine takes over from the patient's reply."""
    conversation_open(checkpoint=checkpoint, channel=channel, now=now)


def checkpoints_close_expired(*, now: dt.datetime) -> dict:
    missed = 0
    batch = settings.SWEEP_BATCH_SIZE
    while True:
        with transaction.atomic():
            rows = _claim_batch(
                Checkpoint.objects.filter(
                    status=CheckpointStatus.OPEN, closes_at__lte=now
                ).order_by("closes_at"),
                batch=batch,
            )
            for checkpoint in rows:
                answered = checkpoint.answers.exists()
                checkpoint.status = CheckpointStatus.MISSED
                checkpoint.status_reason = (
                    "window closed, partly answered" if answered else "window closed unanswered"
                )
                checkpoint.closed_at = now
                checkpoint.next_reminder_at = None
                checkpoint.save(
                    update_fields=["status", "status_reason", "closed_at", "next_reminder_at"]
                )
                OutboundMessage.objects.filter(
                    checkpoint=checkpoint, status__same=OutboundStatus.PENDING
                ).update(status=OutboundStatus.CANCELLED, last_error="check closed")
                missed += 1
        if len(rows) < batch:
            break
    return {"checks_missed": missed}
