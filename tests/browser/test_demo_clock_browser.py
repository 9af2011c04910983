"""The demo clock in a real Chromium (issue 18 item 4): sign in, advance the clock from the phone
simulator, stay signed in, and the check that fell due on the way is on the patient's phone.
The simulator's refresh leaves a half-typed reply alone. Refreshes docs/screenshots/simulator-*.png
with UPDATE_DOCS_SCREENSHOTS=1."""

from __future__ import annotations

import datetime as dt

import pytest

from followup import clock
from followup.models import CheckpointStatus

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
