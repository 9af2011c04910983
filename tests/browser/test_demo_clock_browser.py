"""The demo clock in a real Chromium (issue 18 item 4): sign in, advance the clock from the phone
simulator, stay signed in, and the check that fell due on the way is on the patient's phone.
The simulator's refresh leaves a half-typed reply alone. The on-call physician's pager
acknowledges a red flag's page. Refreshes docs/screenshots/simulator-*.png
with UPDATE_DOCS_SCREENSHOTS=1."""

from __future__ import annotations

import datetime as dt

import pytest

from followup import clock
from followup.models import (
    Answer,
    CheckpointStatus,
    Escalation,
    EscalationStatus,
    OnCallShift,
)
from followup.services.redflags import redflags_from_answers
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_send

from ..factories import PatientFactory, enroll
from ..survey_helpers import no_quiet_hours
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings, tmp_path):
    settings.DEMO_MODE = True
    settings.BASE_DIR = tmp_path  # the clock file lives under BASE_DIR/var
    clock.install()
    yield settings
    clock.uninstall()
    clock.reset()


def test_advancing_the_demo_clock_keeps_staff_signed_in_and_shows_the_check(
    demo, open_page, alice, bob, clinic
):
    no_quiet_hours(clinic)
    patient = PatientFactory(clinic=clinic, first_name="Elena", phone="+15125550177")
    enrollment = enroll(
        patient=patient, physician=bob, procedure="ESI", performed_on=clock.now().date()
    )
    page = open_page(1280, 900)
    sign_in(page, "alice")
    page.goto(f"/demo/phone/{patient.phone}/")
    assert page.get_by_text("No messages yet").is_visible()

    for label in ("Advance 2 weeks", "Advance 1 day"):
        with page.expect_navigation():
            page.get_by_role("button", name=label).click()
        # Still signed in: the simulator again, not the sign-in page.
        assert f"/demo/phone/{patient.phone}/" in page.url, page.url

    d14 = enrollment.checkpoints.get(key="d14")
    assert d14.status != CheckpointStatus.SKIPPED
    bubbles = page.locator(".bubble.them")
    assert bubbles.count() >= 1
    assert "(1/" in bubbles.first.inner_text()  # the check's first question, on the phone
    assert clock.offset() >= dt.timedelta(days=15)
    assert page.locator(".demo-clock").is_visible()  # demo time in the header
    screenshot(page, "simulator-patient")

    # The staff pages are reachable on the same session after the advance.
    page.goto("/queue/")
    assert page.url.endswith("/queue/")


def test_the_simulator_refresh_leaves_a_half_typed_reply_alone(demo, open_page, alice, clinic):
    patient = PatientFactory(clinic=clinic, phone="+15125550178")
    page = open_page(390, 844)
    sign_in(page, "alice")
    page.goto(f"/demo/phone/{patient.phone}/")
    # Idle, the page reloads itself within 15 s.
    with page.expect_navigation(timeout=20_000):
        pass
    # Typing: no reload for longer than the refresh period, the words stay.
    field = page.locator("#reply-body")
    field.fill("my leg feels")
    page.evaluate("window.__loaded = 1")
    page.wait_for_timeout(17_000)
    assert page.evaluate("window.__loaded") == 1
    assert field.input_value() == "my leg feels"


def _send_pending() -> None:
    """Send the pending texts now, as the worker would after commit."""
    while True:
        pending = OutboundMessage.objects.filter(status=OutboundStatus.PENDING).order_by("id")
        if not [m for m in pending if outbox_send(message_id=m.pk) != "not-claimed"]:
            return


def test_the_on_call_physicians_pager_acknowledges_a_red_flag(demo, open_page, alice, bob, clinic):
    no_quiet_hours(clinic)
    now = clock.now()
    OnCallShift.objects.create(
        clinic=clinic,
        user=bob,
        role="primary",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1),
    )
    patient = PatientFactory(clinic=clinic, first_name="Ana", phone="+15125550179")
    enrollment = enroll(
        patient=patient,
        physician=bob,
        procedure="VA",
        performed_on=now.date() - dt.timedelta(days=20),
    )
    checkpoint = enrollment.checkpoints.get(key="d14")
    # The patient answers "yes" to shortness of breath or chest pain: an EMERGENCY flag.
    Answer.objects.create(
        checkpoint=checkpoint,
        question_code="RF_SOB_CHEST",
        instrument="yes_no",
        raw_text="yes",
        value=True,
        answered_at=now,
    )
    redflags_from_answers(checkpoint=checkpoint, now=now)
    _send_pending()
    escalation = Escalation.objects.get(patient=patient)
    pager = bob.memberships.get(clinic=clinic).page_phone

    page = open_page(390, 844)
    sign_in(page, "alice")
    page.goto(f"/demo/phone/{pager}/")
    page_text = page.locator(".bubble.them").first.inner_text()
    assert f"Reply ACK {escalation.code}" in page_text
    assert "Ana" not in page_text  # a page carries the code, no PHI

    page.locator("#reply-body").fill(f"ACK {escalation.code}")
    with page.expect_navigation():
        page.get_by_role("button", name="Send").click()
    _send_pending()
    page.goto(f"/demo/phone/{pager}/")
    assert page.locator(".bubble.mine").last.inner_text().startswith(f"ACK {escalation.code}")
    assert f"ACK {escalation.code} recorded" in page.locator(".bubble.them").last.inner_text()
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.acknowledged_by == bob
    screenshot(page, "simulator-pager")
