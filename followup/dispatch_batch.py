"""Opening a claimed batch of due checks with a fixed number of queries (the sweep's hot path).

A morning burst is thousands of checks due at 10:00. Opened one by one
(:func:`followup.dispatch.checkpoint_open`) each costs about eight queries: the
frequency cap, the protocol, the baseline question, the checkpoint's two saves, the outbox
``get_or_create``; 10,000 checks took a minute. Here the batch's reads are made once (caps,
baseline answers, existing outbox keys, protocols), and the common case, an SMS check that can go
out now, is written with one ``UPDATE … FROM jsonb_to_recordset()`` and one ``INSERT`` per batch
on PostgreSQL; SQLite (the demo) writes the same rows through the ORM (``_write_portable``).

Everything else (withdrawn enrollments, closed windows, quiet hours, the message cap, email,
web-form-only checks, a patient with two checks in the batch) goes through ``checkpoint_open``
unchanged, after the rows decided so far are written, so its queries see them. The rows written
here are the ones ``checkpoint_open`` + ``conversation_open`` + ``outbox_enqueue`` would write
(``tests/followup/test_dispatch_batch.py`` checks both paths field by field).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import OutboundMessage, OutboundPurpose, OutboundStatus
from notifications.outbox import enqueue_sends
from patients.models import Clinic
from patients.senders import clinic_sender

from . import messages as msg
from .conversation import (
    BASELINE_CODE,
    awaiting_answer,
    language_of,
    question_text,
    skip_form_questions,
)
from .messages import render
from .models import Answer, AnswerStatus, Checkpoint, CheckpointStatus, EnrollmentStatus, Protocol
from .scheduling import local_datetime, next_allowed_time

_UPDATED = (
    "status",
    "opened_at",
    "last_activity_at",
    "channel",
    "status_reason",
    "next_reminder_at",
    "question_codes",
    "current_index",
    "attempts",
)


def related_attach(rows: list[Checkpoint]) -> None:
    """Give every row's enrollment its clinic and protocol from two small queries: a batch has
    thousands of rows but a handful of clinics and protocol versions (whose definitions are
    large), so joining them to every claimed row costs more than it saves."""
    enrollments = [row.enrollment for row in rows]
    clinics = Clinic.objects.in_bulk({e.clinic_id for e in enrollments})
    protocols = Protocol.objects.in_bulk({e.protocol_id for e in enrollments})
    for enrollment in enrollments:
        enrollment.clinic = clinics[enrollment.clinic_id]
        enrollment.protocol = protocols[enrollment.protocol_id]


def checkpoints_open_batch(
    *, rows: list[Checkpoint], now: dt.datetime, open_one: Callable[..., str]
) -> dict[str, int]:
    """Open or settle each locked, due row (caller's transaction); ``open_one`` is the one-row
    path for everything but the common case. Returns counts by outcome."""
    counts: dict[str, int] = defaultdict(int)
    if not rows:
        return counts
    related_attach(rows)
    caps = _recent_unsolicited([row.enrollment.patient_id for row in rows], now)
    baseline_done = _enrollments_with_baseline(rows)
    pending: list[tuple[Checkpoint, dict | None]] = []
    seen: set[int] = set()
    for row in rows:
        patient_id = row.enrollment.patient_id
        hot = patient_id not in seen and _can_open_now(row, now, caps.get(patient_id, []))
        message = _open_sms(row, now, baseline_done=baseline_done) if hot else False
        if message is False:
            _write(pending)
            pending = []
            counts[open_one(checkpoint=row, now=now)] += 1
        else:
            pending.append((row, message))
            counts["opened"] += 1
        seen.add(patient_id)
    _write(pending)
    return counts


def _recent_unsolicited(patient_ids: list[int], now: dt.datetime) -> dict[int, list[dt.datetime]]:
    """The batch's patients' unsolicited messages of the last 7 days (``frequency_cap_until``)."""
    found: dict[int, list[dt.datetime]] = defaultdict(list)
    rows = (
        OutboundMessage.objects.filter(
            patient_id__in=set(patient_ids),
            unsolicited=True,
            created_at__gt=now - dt.timedelta(days=7),
        )
        .exclude(status=OutboundStatus.CANCELLED)
        .values_list("patient_id", "created_at")
    )
    for patient_id, created_at in rows:
        found[patient_id].append(created_at)
    return found


def _enrollments_with_baseline(rows: list[Checkpoint]) -> set[int]:
    """Enrollments that already have an answered baseline question (``_needs_baseline``)."""
    ids = {
        row.enrollment_id
        for row in rows
        if row.enrollment.baseline_pain is None and "PAIN_NOW" in row.question_codes
    }
    if not ids:
        return set()
    return set(
        Answer.objects.filter(
            checkpoint__enrollment_id__in=ids,
            question_code=BASELINE_CODE,
            status=AnswerStatus.ANSWERED,
        ).values_list("checkpoint__enrollment_id", flat=True)
    )


def _can_open_now(row: Checkpoint, now: dt.datetime, sent: list[dt.datetime]) -> bool:
    """True when ``checkpoint_open`` would open the row by SMS now; anything else is its job."""
    enrollment = row.enrollment
    patient = enrollment.patient
    clinic = enrollment.clinic
    if enrollment.status != EnrollmentStatus.ACTIVE or now >= row.closes_at:
        return False
    if not row.status_reason:
        local_send = local_datetime(
            row.target_date, dt.time(settings.FOLLOWUP_SEND_HOUR, 0), patient.time_zone
        )
        if now < local_send < row.closes_at:
            return False
    if (patient.preferred_channel == "email" and patient.can_email) or not patient.can_text:
        return False
    start, end = clinic.quiet_hours_start, clinic.quiet_hours_end
    if next_allowed_time(now, tz_name=patient.time_zone, start=start, end=end) > now:
        return False
    last_day = [t for t in sent if t > now - dt.timedelta(days=1)]
    return not (
        len(last_day) >= clinic.max_unsolicited_per_day
        or len(sent) >= clinic.max_unsolicited_per_week
    )


def _open_sms(row: Checkpoint, now: dt.datetime, *, baseline_done: set[int]):
    """Set the row's fields as an opened SMS check; return its opening text's outbox values.

    False when the check has no text question (a web-form-only check: ``checkpoint_open``).
    An opening text that already exists is not written again (ON CONFLICT, as get_or_create)."""
    enrollment = row.enrollment
    codes = list(row.question_codes)
    if (
        enrollment.baseline_pain is None
        and BASELINE_CODE not in codes
        and "PAIN_NOW" in codes
        and enrollment.pk not in baseline_done
    ):
        # As conversation.prepare_questions: right after the red flags.
        position = 0
        for index, code in enumerate(codes):
            if code.startswith("RF_"):
                position = index + 1
        codes.insert(position, BASELINE_CODE)
    row.question_codes = codes
    row.current_index = 0
    row.attempts = 0
    skip_form_questions(row)
    if not awaiting_answer(row):
        return False
    patient = enrollment.patient
    lang = language_of(patient)
    greeting = render(msg.GREETING_SMS, lang, clinic=enrollment.clinic.name, label=row.label)
    row.status = CheckpointStatus.OPEN
    row.opened_at = now
    row.last_activity_at = now
    row.channel = "sms"
    row.status_reason = ""
    row.next_reminder_at = _first_reminder_at(row, now)
    key = f"checkpoint:{row.pk}:open"
    # Not saved here: _write inserts the batch's texts in one statement.
    return {
        "idempotency_key": key,
        "channel": "sms",
        "to": patient.phone,
        "sender": clinic_sender(enrollment.clinic),
        "body": f"{greeting}\n{_question(row, lang)}",
        "purpose": OutboundPurpose.CHECK_OPEN,
        "unsolicited": True,
        "next_attempt_at": _iso(timezone.now()),
        "patient_id": patient.pk,
        "checkpoint_id": row.pk,
        "created_at": _iso(now),
    }


_questions: dict[tuple, str] = {}


def _question(row: Checkpoint, language: str) -> str:
    """``question_text``, remembered: a morning's checks share a few dozen question lists."""
    # The protocol version and check key too: a version's checklists change the text.
    key = (
        row.enrollment.protocol_id,
        row.key,
        tuple(row.question_codes),
        row.current_index,
        language,
    )
    if key not in _questions:
        if len(_questions) > 10_000:
            _questions.clear()
        _questions[key] = question_text(row, language)
    return _questions[key]


def _first_reminder_at(row: Checkpoint, now: dt.datetime) -> dt.datetime | None:
    for spec in row.enrollment.protocol.checkpoints:
        if spec["key"] == row.key:
            reminders = spec.get("reminders") or {}
            if not reminders.get("max"):
                return None
            return now + dt.timedelta(hours=reminders.get("spacing_hours", 24))
    return None


def _write(pending: list[tuple[Checkpoint, dict | None]]) -> None:
    """One UPDATE for the opened rows, one INSERT for their texts, their sends after commit.

    The values travel as one JSON document (``jsonb_to_recordset``): quoting 10,000 rows of
    parameters one by one costs more than the statements themselves.
    """
    if not pending:
        return
    updates = [
        {
            "id": row.pk,
            "status": row.status,
            "opened_at": _iso(row.opened_at),
            "last_activity_at": _iso(row.last_activity_at),
            "channel": row.channel,
            "status_reason": row.status_reason,
            "next_reminder_at": _iso(row.next_reminder_at),
            "question_codes": row.question_codes,
            "current_index": row.current_index,
            "attempts": row.attempts,
        }
        for row, _ in pending
    ]
    messages = [message for _, message in pending if message is not None]
    if connection.vendor != "postgresql":
        ids = _write_portable([row for row, _ in pending], messages)
        if ids:
            transaction.on_commit(lambda: enqueue_sends(ids, bulk=True))
        return
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL, [json.dumps(updates)])
        if not messages:
            return
        cursor.execute(_INSERT_SQL, [json.dumps(messages)])
        ids = [row[0] for row in cursor.fetchall()]
    # Check openings are unsolicited: the bulk queue, in chunks, never ahead of a page.
    transaction.on_commit(lambda: enqueue_sends(ids, bulk=True))


def _write_portable(rows: list[Checkpoint], messages: list[dict]) -> list[int]:
    """The same rows through the ORM, for SQLite (the demo's embedded default).

    ``jsonb_to_recordset`` is PostgreSQL's; a demo's batch is a few rows, so statements per
    batch matter less than running the same decisions. SQLite serialises writers, so reading the
    existing keys and then inserting the others cannot race another sweep. Returns the ids of
    the texts inserted now (an existing opening text is not written again, as ON CONFLICT).
    """
    Checkpoint.objects.bulk_update(rows, list(_UPDATED))
    if not messages:
        return []
    keys = [m["idempotency_key"] for m in messages]
    existing = set(
        OutboundMessage.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", flat=True
        )
    )
    new = [
        OutboundMessage(
            idempotency_key=m["idempotency_key"],
            channel=m["channel"],
            to=m["to"],
            sender=m["sender"],
            body=m["body"],
            purpose=m["purpose"],
            unsolicited=m["unsolicited"],
            status=OutboundStatus.PENDING,
            next_attempt_at=dt.datetime.fromisoformat(m["next_attempt_at"]),
            patient_id=m["patient_id"],
            checkpoint_id=m["checkpoint_id"],
            created_at=dt.datetime.fromisoformat(m["created_at"]),
        )
        for m in messages
        if m["idempotency_key"] not in existing
    ]
    OutboundMessage.objects.bulk_create(new)
    return list(
        OutboundMessage.objects.filter(
            idempotency_key__in=[m.idempotency_key for m in new]
        ).values_list("pk", flat=True)
    )


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


_UPDATE_SQL = f"""
UPDATE {Checkpoint._meta.db_table} AS c SET {", ".join(f"{name} = v.{name}" for name in _UPDATED)}
FROM jsonb_to_recordset(%s::jsonb) AS v(
    id bigint, status varchar, opened_at timestamptz, last_activity_at timestamptz,
    channel varchar, status_reason varchar, next_reminder_at timestamptz, question_codes jsonb,
    current_index integer, attempts integer)
WHERE c.id = v.id
"""  # noqa: S608 - table and column names are ours; every value is bound

# Every NOT NULL column of the outbox row, with the values outbox_enqueue leaves at their
# defaults (a new column without a default makes this fail loudly in the tests).
_INSERT_SQL = f"""
INSERT INTO {OutboundMessage._meta.db_table} (
    idempotency_key, channel, "to", sender, subject, body, html_body, purpose, unsolicited,
    status, provider_status, error_code, last_error, attempts, next_attempt_at, patient_id,
    checkpoint_id, created_at, updated_at)
SELECT idempotency_key, channel, "to", sender, '', body, '', purpose, unsolicited, 'pending', '',
    '', '', 0, next_attempt_at, patient_id, checkpoint_id, created_at, now()
FROM jsonb_to_recordset(%s::jsonb) AS v(
    idempotency_key varchar, channel varchar, "to" varchar, sender varchar, body text,
    purpose varchar,
    unsolicited boolean, next_attempt_at timestamptz, patient_id bigint, checkpoint_id bigint,
    created_at timestamptz)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id
"""  # noqa: S608
