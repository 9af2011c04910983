"""Issue 21 item 4: staff mark the true tier of a patient text on the timeline (one click, audited,
scoped to their clinics)."""

from __future__ import annotations

import pytest

from followup.models import TextLabel
from notifications.models import InboundMessage
from patients.models import AuditEvent
from tests.factories import PatientFactory
from tests.survey_helpers import post_sms

from .test_triage_queue import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def text(client, clinic):
    patient = PatientFactory(clinic=clinic)
    post_sms(client, body="my back feels weird", from_=patient.phone)
    return InboundMessage.objects.get(patient=patient)


def _url(text) -> str:
    return f"/patients/{text.patient_id}/texts/{text.pk}/label/"


def test_the_timeline_offers_the_four_tiers_for_each_text(client, bob, text):
    page = signed_in(bob).get(f"/patients/{text.patient_id}/")
    html = page.content.decode()
    assert f'id="text-{text.pk}"' in html
    for tier in ("EMERGENCY", "URGENT", "ROUTINE", "NONE"):
        assert f'name="tier" value="{tier}"' in html
    assert "style=" not in html.split(f'id="text-{text.pk}"')[1].split("</li>")[0]


def test_one_click_labels_the_text_and_is_audited(client, bob, text):
    c = signed_in(bob)
    response = c.post(_url(text), {"tier": "URGENT"})
    assert response.status_code == 302 and response["Location"].endswith(f"#text-{text.pk}")
    label = TextLabel.objects.get(inbound=text)
    assert (label.tier, label.labelled_by, label.clinic_id) == (
        "URGENT",
        bob,
        text.patient.clinic_id,
    )
    event = AuditEvent.objects.filter(object_type="textlabel").latest("id")
    assert event.detail == {"inbound": text.pk, "tier": "URGENT"} and event.user_id == bob.pk
    # A second click replaces the label; the page shows it.
    c.post(_url(text), {"tier": "NONE"})
    assert TextLabel.objects.get(inbound=text).tier == "NONE"
    assert 'data-label="NONE"' in c.get(f"/patients/{text.patient_id}/").content.decode()


@pytest.mark.parametrize("tier", ["", "emergency!", "HIGH", "<script>"])
def test_a_bad_tier_is_refused(client, bob, text, tier):
    response = signed_in(bob).post(_url(text), {"tier": tier})
    assert response.status_code == 400 and not TextLabel.objects.exists()


def test_another_clinics_user_cannot_label(text, charlie):
    response = signed_in(charlie).post(_url(text), {"tier": "NONE"})
    assert response.status_code == 404 and not TextLabel.objects.exists()


def test_a_text_of_another_patient_cannot_be_labelled_through_this_patient(
    client, bob, clinic, text
):
    someone = PatientFactory(clinic=clinic)
    response = signed_in(bob).post(
        f"/patients/{someone.pk}/texts/{text.pk}/label/", {"tier": "NONE"}
    )
    assert response.status_code == 404 and not TextLabel.objects.exists()


def test_get_is_not_allowed(client, bob, text):
    assert signed_in(bob).get(_url(text)).status_code == 405


def test_screening_report_for_the_clinics_labelled_texts(client, bob, clinic, text):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no labelled texts"):
        call_command("screening_report", clinic=clinic.slug, stdout=StringIO())
    other = PatientFactory(clinic=clinic)
    post_sms(client, body="I cant breathe", from_=other.phone)
    breathless = InboundMessage.objects.get(patient=other)
    c = signed_in(bob)
    c.post(_url(text), {"tier": "EMERGENCY"})  # labelled above what the screener says
    c.post(_url(breathless), {"tier": "EMERGENCY"})
    out = StringIO()
    call_command("screening_report", clinic=clinic.slug, stdout=out)
    report = out.getvalue()
    assert "2 labelled texts" in report
    assert f"inbound text #{text.pk}" in report  # the miss, by id
    assert "my back feels weird" not in report and "cant breathe" not in report
    out = StringIO()
    call_command("screening_report", clinic=clinic.slug, json=True, stdout=out)
    import json

    figures = json.loads(out.getvalue())
    assert figures["n"] == 2 and figures["per_tier"]["EMERGENCY"]["sensitivity"] == 0.5
    with pytest.raises(CommandError, match="No clinic"):
        call_command("screening_report", clinic="nope", stdout=StringIO())
