"""Staff read words, not codes: answers with their label, rule names, the physician's name, and
figures rounded (half away from zero) to the precision they have."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.utils import timezone

from followup.answer_labels import answer_label
from followup.models import Answer, CheckpointStatus, Score
from followup.outcomes.format import percent, signed
from followup.outcomes.mcid import change_from_baseline
from followup.timeline import timeline_add

from ..factories import PatientFactory, enroll
from .test_triage_queue import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "code,value,words",
    [
        ("RF_FEVER", False, "No"),
        ("RF_FEVER", True, "Yes"),
        ("PGIC", "a_little_better", "a little better"),
        ("MEDS", "less", "less"),
        ("PAIN_NOW", 7, "7 / 10"),
        ("VAS", 42, "42 / 100"),
        ("ANYTHING_ELSE", "sore but fine", "sore but fine"),
        ("PAIN_NOW", None, "not answered"),
    ],
)
def test_an_answer_reads_as_words(code, value, words):
    assert answer_label(code, value) == words


def test_a_change_of_minus_37_5_percent_is_shown_as_minus_37_5_not_37_0():
    change = change_from_baseline(measure="NRS", baseline=8, value=5)
    assert change.percent == Decimal("-37.5")
    assert percent(change.percent) == "-37.5 %" and signed(change.percent) == "-37.5"
    # Half away from zero, computed on the exact value: never truncated.
    assert signed(Decimal("-2.25")) == "-2.3" and signed(Decimal("37.45")) == "+37.5"
    assert signed(-37.46) == "-37.5"


def test_the_timeline_shows_answers_rule_names_and_the_physician_in_words(clinic, alice, bob):
    bob.first_name, bob.last_name = "Robert", "Chen"
    bob.save(update_fields=["first_name", "last_name"])
    now = timezone.now()
    patient = PatientFactory(clinic=clinic)
    enrollment = enroll(
        patient=patient,
        physician=bob,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=20),
    )
    check = enrollment.checkpoints.order_by("target_date").first()
    check.status = CheckpointStatus.COMPLETED
    check.save(update_fields=["status"])
    for code, raw, value in (
        ("RF_FEVER", "no", False),
        ("RF_NUMB_TINGLE", "yes", True),
        ("PGIC", "2", "a_little_better"),
        ("ODI", "", {"pain_intensity": 3, "walking": 2, "sitting": None}),
    ):
        Answer.objects.create(
            checkpoint=check,
            question_code=code,
            instrument="web",
            raw_text=raw,
            value=value,
            answered_at=now,
        )
    Score.objects.create(
        checkpoint=check, kind=Score.Kind.ODI, value=Decimal("37.5"), computed_at=now
    )
    enrollment.baseline_odi = Decimal("50.0")
    enrollment.save(update_fields=["baseline_odi"])
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="flag_raised",
        summary="URGENT flag NUMB_TINGLE: New numbness or tingling, or new shooting leg or arm pain",
        at=now,
    )
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="unanswered",
        summary=f"{check.label}: RF_WOUND unanswered after 2 tries",
        at=now,
    )

    page = html.unescape(signed_in(alice).get(f"/patients/{patient.pk}/").content.decode())

    assert "<strong>No</strong>" in page and "<strong>Yes</strong>" in page
    assert "<strong>a little better</strong>" in page and "a_little_better" not in page
    assert "no score (2 of 10 sections answered, fewer than 8)" in page
    assert "URGENT flag: New numbness or tingling" in page
    assert "RF_NUMB_TINGLE" not in page and "NUMB_TINGLE" not in page
    assert "RF_WOUND" not in page and "Is there redness, swelling" in page
    assert "Physician Robert Chen" in page
    assert "ODI %: baseline 50.0, 37.5" in page
    assert "False" not in page and "{'" not in page and "{link}" not in page


def test_the_database_computes_minus_37_5_percent_not_a_truncated_minus_37(clinic, bob):
    # On SQLite (the demo) a whole-number NUMERIC is an integer and "/" truncated: -37.0 %.
    from followup.models import Checkpoint
    from followup.selectors.outcomes.expressions import with_outcomes

    patient = PatientFactory(clinic=clinic)
    enrollment = enroll(
        patient=patient,
        physician=bob,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=20),
    )
    enrollment.baseline_pain, enrollment.baseline_odi = 8, Decimal("40")
    enrollment.save(update_fields=["baseline_pain", "baseline_odi"])
    check = enrollment.checkpoints.order_by("target_date").first()
    now = timezone.now()
    Score.objects.create(checkpoint=check, kind=Score.Kind.NRS_NOW, value=5, computed_at=now)
    Score.objects.create(checkpoint=check, kind=Score.Kind.ODI, value=25, computed_at=now)
    row = with_outcomes(Checkpoint.objects.filter(pk=check.pk)).get()
    assert percent(row.nrs_change_pct) == "-37.5 %"
    assert percent(row.odi_change_pct) == "-37.5 %"
