"""The staff forms a person submits, in a real Chromium: sign in (and a refused one), enroll a
patient, assign and annotate a flag, record a worklist call. (Acknowledge and resolve are in
test_triage_browser.py.) Each submit goes through the browser's own CSRF headers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.models import (
    CheckpointStatus,
    Enrollment,
    Escalation,
    TimelineEvent,
    WorklistCall,
)

from ..factories import PatientFactory, enroll
from ..followup.test_triage_queue import raise_flag
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_signs_in_and_enrolls_a_patient(open_page, alice, bob, clinic):
    page = open_page(1280, 900)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url and page.locator("[role=alert]").is_visible()
    sign_in(page, "alice")
    assert page.url.endswith("/queue/")

    page.goto("/enroll/")
    page.locator("#f-procedure").select_option("ESI")
    performed = timezone.localdate() - dt.timedelta(days=1)
    page.locator("#f-performed_on").fill(performed.isoformat())
    page.locator("#f-physician").select_option("bob")
    page.locator("#f-patient-first_name").fill("Elena")
    page.locator("#f-patient-last_name").fill("Torres")
    page.locator("#f-patient-date_of_birth").fill("1958-03-14")
    page.locator("#f-patient-mrn").fill("E-2001")
    page.locator("#f-patient-phone").fill("(512) 555-0188")
    with page.expect_navigation():
        page.get_by_role("button", name="Enroll and schedule checks").click()

    enrollment = Enrollment.objects.get(patient__mrn="E-2001")
    assert enrollment.procedure == "ESI" and enrollment.physician == bob
    assert enrollment.patient.phone == "+15125550188"
    assert page.url.endswith(f"/patients/{enrollment.patient_id}/")
    assert "Enrolled for ESI" in page.locator(".messages").inner_text()
    assert enrollment.checkpoints.count() >= 1
    assert axe_violations(page) == []


def test_a_nurse_assigns_a_flag_adds_a_note_and_records_a_call(open_page, alice, bob, clinic):
    patient = PatientFactory(clinic=clinic, first_name="Marta", last_name="Lopez")
    escalation = raise_flag(patient, bob, tier="URGENT")
    missed = PatientFactory(clinic=clinic, first_name="Robert", last_name="Miller")
    check = enroll(
        patient=missed,
        physician=bob,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=50),
    ).checkpoints.first()
    check.status, check.status_reason, check.closed_at = (
        CheckpointStatus.MISSED,
        "window closed unanswered",
        timezone.now(),
    )
    check.save()

    page = open_page(1280, 900)
    sign_in(page, "alice")
    page.goto(f"/patients/{patient.pk}/")
    panel = page.locator(f"#escalation-{escalation.pk}")
    with page.expect_navigation():
        panel.get_by_role("button", name="Assign to me").click()
    escalation.refresh_from_db()
    assert escalation.owner == alice

    panel = page.locator(f"#escalation-{escalation.pk}")
    panel.get_by_label("Add a note").fill("Left a voicemail, will try again at noon.")
    with page.expect_navigation():
        panel.get_by_role("button", name="Save note").click()
    assert TimelineEvent.objects.filter(escalation=escalation, kind="note").exists()
    assert "Left a voicemail" in page.locator(".feed").inner_text()

    page.goto("/worklists/missed/")
    row = page.locator("tr", has_text="Miller, Robert")
    row.get_by_label("Outcome").select_option("reached")
    row.get_by_label("Note").fill("Doing well, will answer the next check.")
    with page.expect_navigation():
        row.get_by_role("button", name="Save").click()
    call = WorklistCall.objects.get(item_key=f"checkpoint:{check.pk}")
    assert call.outcome == "reached" and call.called_by == alice
    assert "Miller, Robert" not in page.locator("table").inner_text()  # reached: off the list
    assert Escalation.objects.get(pk=escalation.pk).status == "open"
    screenshot(page, "worklists-after-call")
