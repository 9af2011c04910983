"""Queueing write-back rows: from the signal receivers (in the sender's transaction) and the poll.

One row per result and channel; the unique ``key`` (``check/<id>`` / ``flag/<id>`` for FHIR, the
keys rows had before HL7 existed, ``hl7/check/<id>`` / ``hl7/flag/<id>`` for ORU^R01) makes every
path idempotent: ``bulk_create(ignore_conflicts=True)`` is ``ON CONFLICT DO NOTHING`` on both
PostgreSQL and SQLite.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from followup.models import Checkpoint, CheckpointStatus, Flag

from ..models import ClinicInterface, WriteBack, WriteBackChannel


def writeback_key(channel: str, kind: str, pk: int) -> str:
    return f"{kind}/{pk}" if channel == WriteBackChannel.FHIR else f"{channel}/{kind}/{pk}"


def writeback_queue_result(
    *,
    clinic_id: int,
    checkpoint_id: int | None = None,
    flag_id: int | None = None,
    at: dt.datetime | None,
) -> int:
    """Queue one result for each channel the clinic writes back to; returns the rows offered.

    Called by the signal receivers inside the transaction that completed the check or raised the
    flag, so a rollback takes the rows with it. Results from before write-back was turned on
    (``writeback_since``) are not queued: the clinic's history is not replayed into the chart.
    """
    interface = ClinicInterface.objects.filter(clinic_id=clinic_id).first()
    if interface is None or interface.writeback_since is None or at is None:
        return 0
    if at < interface.writeback_since:
        return 0
    kind, pk = ("check", checkpoint_id) if checkpoint_id else ("flag", flag_id)
    now = timezone.now()
    rows = [
        WriteBack(
            key=writeback_key(channel, kind, pk),
            channel=channel,
            clinic_id=clinic_id,
            checkpoint_id=checkpoint_id,
            flag_id=flag_id,
            next_attempt_at=now,
        )
        for channel in interface.writeback_channels()
    ]
    if rows:
        WriteBack.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def writeback_enqueue(*, now: dt.datetime | None = None) -> int:
    """The safety net: queue results the signal receivers did not; returns the rows added.

    The receivers queue each result in its own transaction; this catches what bypassed
    ``checkpoint_complete`` / ``flag_create`` (a data fix in the shell, a bulk update) so nothing
    the EHR should have is silently missing. Otherwise it finds nothing.
    """
    now = now or timezone.now()
    added = 0
    for interface in ClinicInterface.objects.filter(writeback_enabled=True):
        since = interface.writeback_since or now
        for channel in interface.writeback_channels():
            queued = WriteBack.objects.filter(channel=channel)
            checks = (
                Checkpoint.objects.filter(
                    enrollment__clinic_id=interface.clinic_id,
                    status=CheckpointStatus.COMPLETED,
                    completed_at__gte=since,
                )
                .exclude(pk__in=queued.filter(checkpoint__isnull=False).values("checkpoint_id"))
                .values_list("pk", flat=True)
            )
            flags = (
                Flag.objects.filter(patient__clinic_id=interface.clinic_id, created_at__gte=since)
                .exclude(pk__in=queued.filter(flag__isnull=False).values("flag_id"))
                .values_list("pk", flat=True)
            )
            rows = [
                WriteBack(
                    key=writeback_key(channel, "check", pk),
                    channel=channel,
                    clinic_id=interface.clinic_id,
                    checkpoint_id=pk,
                    next_attempt_at=now,
                )
                for pk in checks
            ] + [
                WriteBack(
                    key=writeback_key(channel, "flag", pk),
                    channel=channel,
                    clinic_id=interface.clinic_id,
                    flag_id=pk,
                    next_attempt_at=now,
                )
                for pk in flags
            ]
            if rows:
                # A concurrent sweep may have queued some: the unique key keeps one row each.
                WriteBack.objects.bulk_create(rows, ignore_conflicts=True)
                added += len(rows)
    return added
