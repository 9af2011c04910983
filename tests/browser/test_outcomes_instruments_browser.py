"""The outcome pages with the instruments of issue 23 in a real browser: a cervical patient's NDI,
a lumbar patient's back and leg pain and block diaries, and the cohort's NDI and back/leg tables;
each page checked with axe-core."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from followup.diaries.services import diary_answer_record, diary_block_schedule
from followup.models import DiaryEntry, Enrollment

from ..followup.outcomes_data import patient_enrolled, record
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHI = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def patients(clinic, bob):
    nina = patient_enrolled(
        clinic, bob, baseline_pain=7, first_name="Nina", last_name="Neck", mrn="C-1"
    )
    Enrollment.objects.filter(pk=nina.pk).update(levels="C5-C6", baseline_ndi=Decimal("40"))
    record(nina, "d14", nrs_avg=4, ndi=30)
    record(nina, "m3", nrs_avg=5, ndi=34)
    lev = patient_enrolled(
        clinic,
        bob,
        procedure="FACET_SI",
        baseline_pain=8,
        first_name="Lev",
        last_name="Legg",
        mrn="L-1",
        time_zone="America/Chicago",
    )
    Enrollment.objects.filter(pk=lev.pk).update(
        baseline_back_pain=6, baseline_leg_pain=8, baseline_odi=Decimal("40")
    )
    record(lev, "d14", nrs_avg=4, pain_back=5, pain_leg=3, odi=30)
    rows = diary_block_schedule(
        enrollment=lev,
        block_at=dt.datetime(2026, 1, 3, 10, 0, tzinfo=CHI),
        anaesthetic_name="lidocaine",
    )
    for row in rows:
        DiaryEntry.objects.filter(pk=row.pk).update(sent_at=row.send_at)
        diary_answer_record(
            enrollment=lev, text="1", answered_at=row.send_at + dt.timedelta(minutes=5)
        )
    return {"nina": nina, "lev": lev}


def test_a_physician_reads_ndi_back_leg_and_the_block_diary(open_page, patients):
    page = open_page(1360, 900)
    sign_in(page, "bob")
    page.goto(f"/outcomes/enrollments/{patients['nina'].pk}/")
    assert page.get_by_role("img", name="Neck disability (NDI) since the procedure").is_visible()
    # Latest NDI (m3): 40 -> 34 is -6.0, short of the 7.5-point MCID.
    kpi = page.locator("#kpi-ndi").inner_text()
    assert "-6.0" in kpi and "MCID not reached" in kpi
    row = page.locator('#checks-table tr[data-key="d14"]')
    assert row.locator('[data-col="ndi"]').inner_text() == "30.0\nmoderate"
    assert axe_violations(page) == []
    screenshot(page, "outcomes-patient-ndi")

    page.goto(f"/outcomes/enrollments/{patients['lev'].pk}/")
    assert page.get_by_role("img", name="Back and leg pain since the procedure").is_visible()
    row = page.locator('#checks-table tr[data-key="d14"]')
    assert row.locator('[data-col="leg_change"]').inner_text().startswith("-5.0")
    card = page.locator("#block-diary")
    assert card.is_visible()
    assert "Block 1: Lidocaine (short-acting), 3 Jan 2026 10:00" in card.inner_text()
    assert "MBB_ASRA: met" in card.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "outcomes-patient-back-leg-block")


def test_the_cohort_page_shows_the_ndi_and_back_leg_tables(open_page, patients):
    page = open_page(1360, 900)
    sign_in(page, "bob")
    page.goto("/outcomes/")
    assert page.get_by_role("heading", name="Function: Neck Disability Index").is_visible()
    assert page.get_by_role("img", name="Mean change from baseline in NDI %").is_visible()
    assert page.get_by_role("heading", name="Back and leg pain, scored apart").is_visible()
    assert axe_violations(page) == []
