"""Block diary rows: scheduled in the patient's zone and the clinic's quiet hours, answers attached
(late ones too), and the block's verdict and chart note read back."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import IntegrityError

from followup.diaries.services import (
    diary_answer_record,
    diary_block_assessment,
    diary_block_schedule,
)
from followup.models import DiaryEntry

from .outcomes_data import patient_enrolled

pytestmark = pytest.mark.django_db

CHI = zoneinfo.ZoneInfo("America/Chicago")


def chicago(*args) -> dt.datetime:
    return dt.datetime(2026, 3, 10, *args, tzinfo=CHI)


@pytest.fixture
def enrollment(clinic, bob):
    return patient_enrolled(
        clinic, bob, baseline_pain=8, procedure="FACET_SI", time_zone="America/Chicago"
    )


def _send_all(rows):
    for row in rows:
        DiaryEntry.objects.filter(pk=row.pk).update(sent_at=row.send_at)


def test_a_17_00_block_is_scheduled_once_with_a_morning_recall(enrollment):
    rows = diary_block_schedule(
        enrollment=enrollment, block_at=chicago(17, 0), anaesthetic_name="Bupivacaine"
    )
    assert [r.key for r in rows] == ["h0.5", "h1", "h2", "recall"]
    assert rows[-1].covers == ["h4", "h6", "h8"] and rows[-1].recall
    assert rows[-1].send_at.astimezone(CHI).hour == 8
    again = diary_block_schedule(
        enrollment=enrollment, block_at=chicago(17, 0), anaesthetic_name="bupivacaine"
    )
    assert [r.pk for r in again] == [r.pk for r in rows]
    assert DiaryEntry.objects.filter(enrollment=enrollment).count() == 4


def test_the_clinics_quiet_hours_apply(enrollment, clinic):
    clinic.quiet_hours_start = dt.time(23, 0)
    clinic.quiet_hours_end = dt.time(7, 0)
    clinic.save()
    rows = diary_block_schedule(
        enrollment=enrollment, block_at=chicago(17, 0), anaesthetic_name="bupivacaine"
    )
    assert [r.key for r in rows] == ["h0.5", "h1", "h2", "h4", "recall"]


def test_answers_late_answers_and_the_verdict(enrollment):
    rows = diary_block_schedule(
        enrollment=enrollment, block_at=chicago(17, 0), anaesthetic_name="bupivacaine"
    )
    _send_all(rows)
    assert (
        diary_answer_record(enrollment=enrollment, text="1", answered_at=chicago(17, 35)).key
        == "h0.5"
    )
    # The 18:00 prompt is answered at 19:05, after the 19:00 prompt went out: it counts, late.
    late = diary_answer_record(enrollment=enrollment, text="one", answered_at=chicago(19, 5))
    assert late.key == "h2" and not late.late
    late = diary_answer_record(enrollment=enrollment, text="1", answered_at=chicago(19, 10))
    assert late.key == "h1" and late.late
    assert (
        diary_answer_record(enrollment=enrollment, text="I feel fine", answered_at=chicago(19, 20))
        is None
    )
    recall = diary_answer_record(
        enrollment=enrollment, text="2", answered_at=dt.datetime(2026, 3, 11, 8, 30, tzinfo=CHI)
    )
    assert recall.key == "recall" and recall.pain == 2
    assessment, note = diary_block_assessment(enrollment=enrollment)
    # 1/10 at 0.5, 1, 2 h and 2/10 (75 %) recalled for 21:00: relief >= 80 % lasted until the 2 h
    # reading (the h1 answer came at 19:10, 2.2 h after the block), short of bupivacaine's 3 h.
    assert assessment.status == "not met"
    assert "Pre-block pain: 8/10." in note and "Source: CMS LCD L38765" in note
    assert enrollment.patient.first_name not in note


def test_an_answer_before_any_prompt_went_out_is_not_a_diary_answer(enrollment):
    diary_block_schedule(
        enrollment=enrollment, block_at=chicago(17, 0), anaesthetic_name="lidocaine"
    )
    assert diary_answer_record(enrollment=enrollment, text="3", answered_at=chicago(17, 45)) is None


def test_a_block_without_a_diary_is_refused(enrollment):
    with pytest.raises(DiaryEntry.DoesNotExist):
        diary_block_assessment(enrollment=enrollment, series=2)


def test_the_database_refuses_a_duplicate_prompt(enrollment):
    row = diary_block_schedule(
        enrollment=enrollment, block_at=chicago(9, 0), anaesthetic_name="lidocaine"
    )[0]
    row.pk = None
    with pytest.raises(IntegrityError):
        row.save()
