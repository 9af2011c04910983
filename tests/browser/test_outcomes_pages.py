"""A physician's look at outcomes in a real browser: the cohort dashboard and one patient's trend,
with the charts drawn offline, the tables beside them, the CSV and FHIR downloads, and a
colleague's patient out of reach. Every page is checked with axe-core and photographed (the
README shows the pictures)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest

from patients.models import Role

from ..factories import MembershipFactory, UserFactory
from ..followup.outcomes_data import escalation, flag, patient_enrolled, record, set_status
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERFORMED = dt.date(2025, 10, 6)


def _at(day: int, hour: int = 16) -> dt.datetime:
    return dt.datetime.combine(PERFORMED + dt.timedelta(days=day), dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def practice(clinic, bob):
    """A year of follow-up: one patient followed closely, thirty more across three procedures."""
    bob.first_name, bob.last_name = "Robert", "Okafor"
    bob.save()
    erin = MembershipFactory(
        user=UserFactory(username="erin", first_name="Erin", last_name="Walsh"),
        clinic=clinic,
        role=Role.PHYSICIAN,
    ).user
    ana = patient_enrolled(
        clinic,
        bob,
        procedure="VA",
        performed_on=PERFORMED,
        baseline_pain=8,
        baseline_odi=56,
        first_name="Ana",
        last_name="Ruiz",
        mrn="A-1001",
        enrolled_at=_at(0, 20),
    )
    record(ana, "h48", nrs_now=6, at=_at(2))
    record(
        ana,
        "d14",
        nrs_now=5,
        nrs_avg=5,
        vas=52,
        odi=44,
        meds="same",
        pgic="a_little_better",
        at=_at(15),
    )
    flag(ana, "URGENT", "VA_ADJACENT_PAIN", key="d14", at=_at(15, 17))
    escalation(ana, "URGENT", created_at=_at(15, 17), ack_after=dt.timedelta(minutes=22))
    record(
        ana, "m3", nrs_now=3, nrs_avg=4, vas=35, odi=30, meds="less", pgic="much_better", at=_at(93)
    )
    record(
        ana,
        "m6",
        nrs_now=2,
        nrs_avg=3,
        vas=28,
        odi=24,
        meds="less",
        pgic="much_better",
        at=_at(184),
    )
    set_status(ana, "m12", "open")

    rnd = random.Random(7)
    theirs = None
    for i, procedure in enumerate(["VA"] * 10 + ["SCS"] * 8 + ["ESI"] * 12):
        physician = erin if i % 3 == 0 else bob
        base = rnd.randint(5, 10)
        base_odi = rnd.choice([30, 36, 40, 44, 50, 56, 62])
        e = patient_enrolled(
            clinic,
            physician,
            procedure=procedure,
            performed_on=PERFORMED + dt.timedelta(days=rnd.randint(0, 20)),
            baseline_pain=None if i % 11 == 5 else base,
            baseline_odi=base_odi,
            mrn=f"D-{i}",
            first_name=f"Pat{i}",
            last_name="Demo",
            enrolled_at=_at(0, 20),
        )
        for key, gain in (("d14", 0.35), ("m3", 0.45), ("m6", 0.4)):
            if rnd.random() < 0.15:
                set_status(e, key, "missed")
                continue
            pain = max(0, min(10, round(base * (1 - gain + rnd.uniform(-0.35, 0.3)))))
            odi = max(0, min(100, 2 * round(base_odi * (1 - gain + rnd.uniform(-0.3, 0.25)) / 2)))
            record(
                e,
                key,
                nrs_now=pain,
                nrs_avg=pain,
                odi=odi,
                meds=rnd.choice(["less", "less", "same", "none", "more"]),
                pgic=rnd.choice(["much_better", "a_little_better", "about_same"]),
            )
        if rnd.random() < 0.3:
            tier, code = rnd.choice(
                [
                    ("URGENT", "WOUND"),
                    ("EMERGENCY", "WEAKNESS"),
                    ("ROUTINE", "TEXT_REVIEW"),
                    ("URGENT", "FEVER"),
                ]
            )
            flag(e, tier, code)
            if tier != "ROUTINE":
                escalation(
                    e,
                    tier,
                    created_at=_at(15, 17),
                    ack_after=dt.timedelta(minutes=rnd.randint(3, 60)),
                )
        if physician == erin:
            theirs = e
    return {"ana": ana, "theirs": theirs}


def test_a_physician_reads_a_patient_trend(open_page, practice):
    page = open_page(1360, 900)
    sign_in(page, "bob")
    page.goto(f"/outcomes/enrollments/{practice['ana'].pk}/")
    assert page.get_by_role("heading", name="Ruiz, Ana outcomes").is_visible()
    pain_chart = page.get_by_role("img", name="Pain since the procedure")
    assert pain_chart.is_visible()
    assert page.get_by_role("img", name="Disability (ODI) since the procedure").is_visible()
    # Drawn on the server: no script builds the chart and nothing is fetched from elsewhere.
    assert pain_chart.evaluate("el => el.tagName.toLowerCase()") == "svg"
    assert page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".every(r => r.name.startsWith(location.origin))"
    )
    # Latest (m6): pain 8 -> 3 is -5.0 (-62.5 %), MCID and a >= 50 % responder.
    assert "-5.0 (-62.5 %)" in page.locator("#kpi-pain").inner_text()
    assert "MCID reached" in page.locator("#kpi-pain").inner_text()
    row = page.locator('#checks-table tr[data-key="d14"]')
    assert row.locator('[data-col="pain_change"]').inner_text() == "-3.0\n(-37.5 %)"
    assert row.locator('[data-col="odi"]').inner_text() == "44.0\nsevere"
    assert "VA_ADJACENT_PAIN" in page.locator("#flags-table").inner_text()
    assert "22 min" in page.locator("#escalations-table").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "outcomes-patient-trend")

    with page.expect_download() as download:
        page.get_by_role("link", name="FHIR export").click()
    bundle = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"


def test_a_physician_reads_the_cohort_dashboard(open_page, practice):
    page = open_page(1360, 900)
    sign_in(page, "bob")
    page.goto("/outcomes/")
    assert page.get_by_role("heading", name="Outcomes", exact=True).is_visible()
    assert page.get_by_role(
        "img", name="Mean change from baseline in pain NRS (7-day average, else pain now)"
    ).is_visible()
    assert page.locator('#safety-table tbody[data-procedure="All"]').is_visible()
    assert page.locator("#literature-table tbody tr").count() >= 1
    assert axe_violations(page) == []
    screenshot(page, "outcomes-cohort")

    page.locator("#id_procedure").select_option("VA")
    page.locator("#id_group").select_option("physician")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert "procedure=VA" in page.url
    assert page.get_by_role("heading", name="Compared by physician").is_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["procedure"] for r in rows} == {"VA"}
    assert {r["physician"] for r in rows} == {"bob"}  # bob sees his own patients only

    page.locator(".subnav").get_by_role("link", name="Patients").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Ruiz, Ana").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "outcomes-patients")


def test_a_colleagues_patient_is_not_found(open_page, practice):
    page = open_page()
    sign_in(page, "bob")
    response = page.goto(f"/outcomes/enrollments/{practice['theirs'].pk}/")
    assert response.status == 404
