"""A nurse's day in a real browser: sign in, a new EMERGENCY flag arrives in the open queue
without a reload, she acknowledges it from the keyboard, opens the timeline, resolves it; a nurse
of another clinic cannot reach it by URL. Every page is checked with axe-core and photographed."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from followup.models import CheckpointStatus, Escalation, EscalationStatus
from notifications.models import InboundMessage, OutboundMessage

from ..factories import PatientFactory, enroll
from ..followup.test_triage_queue import raise_flag
from .conftest import axe_violations, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ward(clinic, alice, bob):
    """A clinic with some work already waiting, so the pages look like a real morning."""
    now = timezone.now()
    waiting = [
        ("Marta", "Lopez", "URGENT", "ESI", 9, 95),
        ("James", "Okafor", "URGENT", "SCS", 2, 40),
        ("Linda", "Brown", "ROUTINE", "SCS", 40, 300),
    ]
    for first, last, tier, procedure, days, minutes in waiting:
        patient = PatientFactory(clinic=clinic, first_name=first, last_name=last)
        raise_flag(
            patient,
            bob,
            tier=tier,
            procedure=procedure,
            days_ago=days,
            at=now - dt.timedelta(minutes=minutes),
        )
    # The queue counts procedure days in the clinic's zone (UTC's date is a day ahead at night).
    today = timezone.localdate(timezone=ZoneInfo(clinic.time_zone))
    missed = PatientFactory(clinic=clinic, first_name="Robert", last_name="Miller")
    check = enroll(
        patient=missed,
        physician=bob,
        procedure="ESI",
        performed_on=today - dt.timedelta(days=50),
    ).checkpoints.first()
    check.status, check.status_reason, check.closed_at = (
        CheckpointStatus.MISSED,
        "window closed unanswered",
        now,
    )
    check.save()
    opted = PatientFactory(
        clinic=clinic,
        first_name="Carmen",
        last_name="Diaz",
        opted_out_at=now,
        opt_out_source="STOP",
    )
    enroll(
        patient=opted,
        physician=bob,
        procedure="FACET_SI",
        performed_on=today - dt.timedelta(days=16),
    )
    ana = PatientFactory(
        clinic=clinic, first_name="Ana", last_name="Ruiz", mrn="A-1001", phone="+15125550123"
    )
    enroll(
        patient=ana,
        physician=bob,
        procedure="VA",
        performed_on=today - dt.timedelta(days=3),
    )
    return {"ana": ana}


def _no_serious_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}: {violations}"


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_nurse_works_a_new_emergency_flag_from_queue_to_resolution(open_page, ward, alice, bob):
    ana = ward["ana"]
    page = open_page(1280, 900)

    page.goto("/queue/")
    assert "/accounts/login/" in page.url
    _no_serious_violations(page, "login")
    sign_in(page, "alice")
    assert page.url.endswith("/queue/")
    assert page.locator("tr.queue-row").count() == 3
    _no_serious_violations(page, "queue")

    # The flag arrives while the queue is open; the page must not reload to show it.
    page.evaluate("window.__stillTheSamePage = true")
    OutboundMessage.objects.create(
        idempotency_key="b-1",
        channel="sms",
        to=ana.phone,
        body="Spine Clinic: any shortness of breath?",
        purpose="question",
        status="delivered",
        patient=ana,
    )
    InboundMessage.objects.create(
        message_sid="SM" + "7" * 32,
        from_number=ana.phone,
        body="YES since this morning",
        patient=ana,
        status="processed",
        kind="answer",
    )
    escalation = raise_flag(ana, bob, tier="EMERGENCY", evidence="YES since this morning")
    row = page.locator(f'tr[data-id="{escalation.pk}"]')
    row.wait_for(state="visible", timeout=8_000)
    assert page.evaluate("window.__stillTheSamePage === true")
    assert page.locator("tr.queue-row").first.get_attribute("data-id") == str(
        escalation.pk
    )  # most serious first
    assert (
        "EMERGENCY" in row.inner_text()
        and "Ruiz, Ana" in row.inner_text()
        and "day 3" in row.inner_text()
    )
    page.wait_for_function(
        "document.getElementById('queue-live').textContent.includes('highest EMERGENCY')",
        timeout=3_000,
    )
    assert page.title().startswith("(4)")
    assert page.locator('[data-tier-summary="EMERGENCY"]').is_visible()
    assert page.locator("#queue-count").inner_text() == "4"
    page.wait_for_timeout(3_100)  # let the arrival highlight fade before the picture
    screenshot(page, "queue")

    # Acknowledge from the keyboard: focus the button, press Enter.
    ack = page.locator(f"#ack-{escalation.pk}")
    ack.focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "focus must be visible"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "You acknowledged EMERGENCY flag" in page.locator(".messages").inner_text()
    escalation.refresh_from_db()
    assert (
        escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.acknowledged_by == alice
    )

    # Open the timeline from the queue.
    page.locator(f'tr[data-id="{escalation.pk}"]').get_by_role(
        "link", name=re.compile("^Open")
    ).click()
    page.wait_for_url(re.compile(rf"/patients/{ana.pk}/#escalation-{escalation.pk}$"))
    panel = page.locator(f"#escalation-{escalation.pk}")
    assert (
        panel.get_by_role("link", name="Call +15125550123").get_attribute("href")
        == "tel:+15125550123"
    )
    assert "Call-back script" in panel.inner_text()
    assert "YES since this morning" in page.locator(".feed").inner_text()
    _no_serious_violations(page, "timeline")
    screenshot(page, "timeline")

    # Resolve with an outcome; the note is required.
    panel.get_by_label("Outcome").select_option("reached_ed")
    panel.get_by_label("Resolution note (required)").fill(
        "Reached Ana: advised ED now; her son is driving her."
    )
    panel.get_by_role("button", name="Resolve").click()
    page.wait_for_load_state()
    assert (
        "resolved: Reached patient - advised emergency department"
        in page.locator(".messages").inner_text()
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED and escalation.outcome == "reached_ed"

    # Worklists and the enrollment form, with their pictures and accessibility checks.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklists").click()
    page.wait_for_url(re.compile("/worklists/missed/$"))
    assert "Miller, Robert" in page.locator("table").inner_text()
    _no_serious_violations(page, "worklists")
    screenshot(page, "worklists")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Enroll").click()
    page.wait_for_url(re.compile("/enroll/$"))
    page.locator("#f-procedure").select_option("VA")
    page.locator("#f-performed_on").fill((timezone.localdate() - dt.timedelta(days=1)).isoformat())
    page.locator("#f-performed_on").dispatch_event("change")
    page.locator("#preview table").wait_for(timeout=5_000)
    preview = page.locator("#preview").inner_text()
    assert "48-72 hour check" in preview and "10:00 patient's time" in preview
    page.locator("#f-patient-first_name").fill("Elena")
    page.locator("#f-patient-last_name").fill("Torres")
    _no_serious_violations(page, "enrollment form")
    screenshot(page, "enrollment-form")


def test_the_pages_work_at_tablet_width(open_page, ward, alice):
    page = open_page(768, 1024)
    sign_in(page, "alice")

    for url in ("/queue/", f"/patients/{ward['ana'].pk}/", "/worklists/opted_out/", "/enroll/"):
        page.goto(url)
        _no_horizontal_scroll(page)
        _no_serious_violations(page, f"{url} at 768px")
    page.goto("/queue/")
    screenshot(page, "queue-tablet")


def test_a_nurse_of_another_clinic_cannot_reach_the_flag_by_url(open_page, ward, bob, charlie):
    escalation = raise_flag(ward["ana"], bob, tier="EMERGENCY")
    page = open_page()
    sign_in(page, "charlie")

    assert page.locator("tr.queue-row").count() == 0
    for url in (f"/t/e/{escalation.pk}/", f"/patients/{ward['ana'].pk}/"):
        response = page.goto(url)
        assert response.status == 404, url
        assert "Ruiz" not in page.content()
    assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.OPEN


def test_the_other_staff_pages_pass_the_accessibility_check(open_page, ward, clinic):
    from patients.models import Role

    from ..factories import MembershipFactory, UserFactory

    MembershipFactory(user=UserFactory(username="ada"), clinic=clinic, role=Role.CLINIC_ADMIN)
    page = open_page()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "didn't match" in page.locator("[role=alert]").inner_text()
    _no_serious_violations(page, "login with an error")
    sign_in(page, "ada")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    page.wait_for_url(re.compile("/audit/$"))
    assert "Signed in" in page.locator("table").inner_text()
    _no_serious_violations(page, "audit log")
    screenshot(page, "audit")
    for url in ("/patients/?q=Ruiz", "/accounts/two-factor/", "/worklists/opted_out/"):
        page.goto(url)
        _no_serious_violations(page, url)
    page.goto("/enroll/")
    page.get_by_role("button", name="Enroll and schedule checks").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "error-summary"  # errors take the focus
    _no_serious_violations(page, "enrollment form with errors")
