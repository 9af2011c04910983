"""Issue 21 item 4 in a real browser: a nurse marks the true tier of a patient text on the
timeline with one click; the page stays CSP-clean (the fixture fails on any refusal) and passes
the accessibility check."""

from __future__ import annotations

import pytest

from followup.models import TextLabel
from notifications.models import InboundMessage
from patients.models import AuditEvent

from ..factories import PatientFactory
from .conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_nurse_labels_a_text_with_one_click(open_page, clinic, alice):
    patient = PatientFactory(clinic=clinic, phone="+15125550177")
    text = InboundMessage.objects.create(
        message_sid="SMlabel1",
        from_number=patient.phone,
        to_number="+15005550006",
        body="my legs feel odd since yesterday",
        patient=patient,
    )
    page = open_page(1280, 900)
    sign_in(page, "alice")
    page.goto(f"/patients/{patient.pk}/#text-{text.pk}")
    item = page.locator(f"#text-{text.pk}")
    assert "my legs feel odd" in item.inner_text()
    item.get_by_role("button", name="Urgent").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"#text-{text.pk}")
    label = TextLabel.objects.get(inbound=text)
    assert label.tier == "URGENT" and label.labelled_by == alice
    assert AuditEvent.objects.filter(object_type="textlabel", user_id=alice.pk).count() == 1
    shown = page.locator(f"#text-{text.pk} [data-label]")
    assert shown.inner_text() == "urgent"
    assert page.locator(f"#text-{text.pk} button[aria-pressed=true]").inner_text() == "Urgent"
    assert axe_violations(page) == []
