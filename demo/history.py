"""Plausible follow-up histories for the demo clinic: answered and missed checks, scores that
improve or worsen, an opted-out patient, and open URGENT and EMERGENCY escalations.

Used only by ``manage.py seed_demo``; the data goes through the same models and score code as real
answers, so every page shows what it would show for a real clinic.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from followup.conversation import scores_record
from followup.models import (
    Answer,
    AnswerStatus,
    Checkpoint,
    CheckpointStatus,
    Enrollment,
    Escalation,
)
from followup.odi import ODI_SECTION_KEYS
from followup.questions import QUESTIONS

PGIC_BY_CHANGE = [
    (-3, "much_better"),
    (-1, "a_little_better"),
    (1, "about_same"),
    (3, "a_little_worse"),
]
PGIC7_BY_CHANGE = [
    (-5, "very_much_improved"),
    (-3, "much_improved"),
    (-1, "minimally_improved"),
    (0, "no_change"),
    (1, "minimally_worse"),
    (3, "much_worse"),
]


def history_fill(
    *, enrollment: Enrollment, rng: random.Random, now: dt.datetime, improving: bool
) -> int:
    """Answer (or miss) every check whose window has closed; checks still in their window are left
    for the sweep to open, so the demo starts with live conversations."""
    filled = 0
    baseline = enrollment.baseline_pain if enrollment.baseline_pain is not None else 7
    odi_base = float(enrollment.baseline_odi) if enrollment.baseline_odi is not None else 45.0
    due = enrollment.checkpoints.filter(
        status=CheckpointStatus.SCHEDULED, closes_at__lt=now
    ).order_by("target_date")
    for index, checkpoint in enumerate(due, start=1):
        if rng.random() < 0.12:
            _close(checkpoint, CheckpointStatus.MISSED, "window closed unanswered", now)
            continue
        step = index * rng.choice([1, 2])
        pain = max(0, min(10, baseline - step if improving else baseline + min(step, 2)))
        odi = max(0.0, min(100.0, odi_base - 9 * index if improving else odi_base + 4 * index))
        _answer_all(checkpoint, pain=pain, odi=odi, change=pain - baseline, rng=rng)
        scores_record(checkpoint=checkpoint, now=checkpoint.completed_at)
        filled += 1
    return filled


def _answer_all(
    checkpoint: Checkpoint, *, pain: int, odi: float, change: int, rng: random.Random
) -> None:
    opened = checkpoint.send_at
    checkpoint.status = CheckpointStatus.COMPLETED
    checkpoint.opened_at = opened
    checkpoint.completed_at = opened + dt.timedelta(hours=2)
    checkpoint.channel = "sms"
    checkpoint.current_index = len(checkpoint.question_codes)
    checkpoint.save()
    for minute, code in enumerate(checkpoint.question_codes):
        kind = QUESTIONS[code]["type"]
        raw, value = _reply(code, kind, pain=pain, odi=odi, change=change, rng=rng)
        Answer.objects.get_or_create(
            checkpoint=checkpoint,
            question_code=code,
            defaults={
                "instrument": kind,
                "raw_text": raw,
                "value": value,
                "status": AnswerStatus.ANSWERED,
                "answered_at": opened + dt.timedelta(minutes=5 + minute),
            },
        )


def _reply(code: str, kind: str, *, pain: int, odi: float, change: int, rng: random.Random):
    if kind == "yes_no":
        return "no", False
    if code == "PAIN_AVG":
        value = max(0, min(10, pain + rng.choice([-1, 0, 0, 1])))
        return str(value), value
    if kind == "nrs":
        return str(pain), pain
    if code == "MEDS":
        value = "less" if change < -1 else ("more" if change > 0 else "same")
        return value, value
    if code == "PGIC":
        value = next((v for limit, v in PGIC_BY_CHANGE if change <= limit), "much_worse")
        return value, value
    if code == "PGIC7":
        value = next((v for limit, v in PGIC7_BY_CHANGE if change <= limit), "very_much_worse")
        return value, value
    if kind == "web_form":
        per_section = round(odi / 100 * 5 * len(ODI_SECTION_KEYS))
        answers = {key: 0 for key in ODI_SECTION_KEYS}
        for i in range(per_section):
            key = ODI_SECTION_KEYS[i % len(ODI_SECTION_KEYS)]
            answers[key] = min(5, answers[key] + 1)
        return "(web form)", answers
    return ("Doing OK, thanks", "Doing OK, thanks") if kind == "free_text" else ("", None)


def _close(checkpoint: Checkpoint, status: str, reason: str, now: dt.datetime) -> None:
    checkpoint.status = status
    checkpoint.status_reason = reason
    checkpoint.closed_at = min(now, checkpoint.closes_at)
    checkpoint.save(update_fields=["status", "status_reason", "closed_at"])


DEMO_TEXTS = [
    # (MRN, what the patient texts) -> an EMERGENCY and an URGENT escalation on the queue.
    ("DEMO-0010", "I cant feel my legs since this morning and I wet myself"),
    ("DEMO-0008", "fever of 101 and the battery site is red and hot"),
    ("DEMO-0003", "my leg feels weird today"),
]


def escalations_seed(*, clinic) -> int:
    """Open escalations the way real texts would (paged through the outbox). Idempotent."""
    from followup.services.redflags import redflags_from_text

    raised = 0
    for mrn, text in DEMO_TEXTS:
        enrollment = (
            Enrollment.objects.filter(clinic=clinic, patient__mrn=mrn)
            .select_related("patient")
            .first()
        )
        if enrollment is None or Escalation.objects.filter(patient=enrollment.patient).exists():
            continue
        redflags_from_text(
            patient=enrollment.patient,
            text=text,
            enrollment=enrollment,
            now=timezone.now(),
            reply_via_outbox=True,
        )
        raised += 1
    return raised
