"""Writing diary prompts and their answers, and reading a block's documented relief back.

Plain functions over the DiaryEntry rows; the pure time rules live in ``schedule.py``.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from followup.models import DiaryEntry, DiaryKind, Enrollment
from followup.parsing import parse_nrs
from followup.relief.arithmetic import Reading
from followup.relief.assess import Assessment, assess_block
from followup.relief.rules import RELIEF_RULES
from followup.relief.trial import TrialDay, TrialSummary, block_note, scs_trial_summary

from .anaesthetics import anaesthetic
from .schedule import (
    DiaryPrompt,
    block_diary_prompts,
    is_late,
    prompt_for_answer,
    scs_trial_diary_prompts,
)


@transaction.atomic
def diary_block_schedule(
    *, enrollment: Enrollment, block_at: dt.datetime, anaesthetic_name: str, series: int = 1
) -> list[DiaryEntry]:
    """Write the prompts of block ``series`` in the patient's zone and the clinic's quiet hours.
    Scheduling the same block twice writes nothing new (one row per key)."""
    patient, clinic = enrollment.patient, enrollment.clinic
    prompts = block_diary_prompts(
        block_at=block_at,
        anaesthetic_name=anaesthetic_name,
        tz_name=patient.time_zone,
        quiet_start=clinic.quiet_hours_start,
        quiet_end=clinic.quiet_hours_end,
    )
    rows = []
    for p in prompts:
        row, _ = DiaryEntry.objects.get_or_create(
            enrollment=enrollment,
            kind=DiaryKind.BLOCK,
            series=series,
            key=p.key,
            defaults={
                "anaesthetic": anaesthetic_name.strip().lower(),
                "started_at": block_at,
                "due_at": p.due_at,
                "send_at": p.send_at,
                "covers": list(p.covers),
                "recall": p.recall,
            },
        )
        rows.append(row)
    return rows


def _prompt(row: DiaryEntry) -> DiaryPrompt:
    return DiaryPrompt(
        key=row.key,
        due_at=row.due_at,
        send_at=row.send_at,
        covers=tuple(row.covers),
        recall=row.recall,
    )


@transaction.atomic
def diary_answer_record(
    *, enrollment: Enrollment, text: str, answered_at: dt.datetime, language: str = "en"
) -> DiaryEntry | None:
    """Attach a 0-10 pain reply to the diary prompt it answers, late or not; None when no prompt
    is open or the reply is not a pain score (the caller then treats it as ordinary text)."""
    parsed = parse_nrs(text, language)
    if not parsed.ok:
        return None
    rows = list(
        DiaryEntry.objects.select_for_update()
        .filter(enrollment=enrollment, kind=DiaryKind.BLOCK, sent_at__isnull=False)
        .order_by("send_at", "pk")
    )
    if rows:
        # Every block's prompts share their keys (h0.5, h1 ...): a reply belongs to the latest
        # block that has prompts out, else a second block's answers went to the first's rows.
        latest = max(r.series for r in rows)
        rows = [r for r in rows if r.series == latest]
    prompts = [_prompt(r) for r in rows]
    answered = [r.key for r in rows if r.answered_at is not None]
    target = prompt_for_answer(prompts, answered_at=answered_at, answered=answered)
    if target is None:
        return None
    row = next(r for r in rows if r.key == target.key)
    row.pain = parsed.value
    row.raw_text = text
    row.answered_at = answered_at
    row.late = is_late(target, prompts, answered_at)
    row.save(update_fields=["pain", "raw_text", "answered_at", "late"])
    return row


def block_readings(rows: list[DiaryEntry]) -> list[Reading]:
    # A live answer is the pain when it was given; a recall answer describes the earliest time it
    # stands for (the patient is asked about the evening, not about breakfast).
    return [
        Reading(at=(r.due_at if r.recall else r.answered_at) or r.due_at, pain=r.pain) for r in rows
    ]


def diary_block_series(*, enrollment: Enrollment) -> list[int]:
    """The numbers of the enrollment's block diaries (1, 2 ...), for links to their notes."""
    return sorted(
        set(
            DiaryEntry.objects.filter(enrollment=enrollment, kind=DiaryKind.BLOCK).values_list(
                "series", flat=True
            )
        )
    )


def diary_block_assessment(
    *, enrollment: Enrollment, series: int = 1, rule_code: str = "MBB_MEDICARE"
) -> tuple[Assessment, str]:
    """The block's verdict against ``rule_code`` and its exportable chart note."""
    rows = list(
        DiaryEntry.objects.filter(enrollment=enrollment, kind=DiaryKind.BLOCK, series=series)
    )
    if not rows:
        raise DiaryEntry.DoesNotExist(f"no block diary #{series} for this enrollment")
    block_at = rows[0].started_at
    readings = block_readings(rows)
    assessment = assess_block(
        rule=RELIEF_RULES[rule_code],
        baseline=enrollment.baseline_pain,
        block_at=block_at,
        anaesthetic_name=rows[0].anaesthetic,
        readings=readings,
    )
    note = block_note(
        block_at=block_at,
        tz_name=enrollment.patient.time_zone,
        anaesthetic_label=anaesthetic(rows[0].anaesthetic)["label"],
        baseline=enrollment.baseline_pain,
        readings=readings,
        assessment=assessment,
    )
    return assessment, note


@transaction.atomic
def diary_scs_schedule(
    *, enrollment: Enrollment, trial_start: dt.date, trial_days: int
) -> list[DiaryEntry]:
    """Write the daily prompts of an SCS trial (idempotent per day)."""
    patient, clinic = enrollment.patient, enrollment.clinic
    prompts = scs_trial_diary_prompts(
        trial_start=trial_start,
        trial_days=trial_days,
        tz_name=patient.time_zone,
        quiet_start=clinic.quiet_hours_start,
        quiet_end=clinic.quiet_hours_end,
    )
    rows = []
    for p in prompts:
        row, _ = DiaryEntry.objects.get_or_create(
            enrollment=enrollment,
            kind=DiaryKind.SCS_TRIAL,
            series=1,
            key=p.key,
            defaults={
                "started_at": prompts[0].due_at,
                "due_at": p.due_at,
                "send_at": p.send_at,
                "covers": list(p.covers),
            },
        )
        rows.append(row)
    return rows


@transaction.atomic
def diary_scs_day_record(
    *,
    enrollment: Enrollment,
    day: int,
    answered_at: dt.datetime,
    pain: int | None = None,
    reported_relief: int | None = None,
    function: str = "",
    meds: str = "",
) -> DiaryEntry:
    """Record one trial day's answers (from the diary or entered by staff), validated first."""
    scs_trial_summary(
        baseline=None,
        days=[TrialDay(day, pain, reported_relief, function or None, meds or None)],
        trial_days=max(day, 3),
    )  # raises ValueError on an unknown function/medication answer or relief outside 0-100
    if pain is not None and not 0 <= pain <= 10:
        raise ValueError("pain must be 0-10")
    row = DiaryEntry.objects.select_for_update().get(
        enrollment=enrollment, kind=DiaryKind.SCS_TRIAL, series=1, key=f"day{day}"
    )
    row.pain, row.reported_relief, row.function, row.meds = pain, reported_relief, function, meds
    row.answered_at = answered_at
    row.save(update_fields=["pain", "reported_relief", "function", "meds", "answered_at"])
    return row


def diary_scs_summary(*, enrollment: Enrollment) -> TrialSummary | None:
    """The trial summary for the implant decision; None when no trial diary was scheduled."""
    rows = list(DiaryEntry.objects.filter(enrollment=enrollment, kind=DiaryKind.SCS_TRIAL))
    if not rows:
        return None
    return trial_summary(rows, baseline=enrollment.baseline_pain)


def trial_summary(rows: list[DiaryEntry], *, baseline: int | None) -> TrialSummary:
    """The SCS trial summary of one trial's diary rows (one per day)."""
    days = [
        TrialDay(
            int(r.key.removeprefix("day")),
            r.pain,
            r.reported_relief,
            r.function or None,
            r.meds or None,
        )
        for r in rows
    ]
    return scs_trial_summary(baseline=baseline, days=days, trial_days=len(rows))
