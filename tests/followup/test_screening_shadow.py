"""Issue 21 item 4, shadow mode: a candidate rule set screens every text beside the live one;
disagreements are recorded by text id (no PHI) and listed by ``screening_report --shadow``."""

from __future__ import annotations

import json
import logging
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from followup.models import SafetyScreenRequest, ShadowDisagreement
from followup.screening_shadow import candidate_screener
from notifications.models import InboundMessage
from tests.factories import PatientFactory
from tests.survey_helpers import no_quiet_hours, post_sms

pytestmark = pytest.mark.django_db

LIVE_DATA = Path(__file__).resolve().parents[2] / "followup" / "screening" / "data"


@pytest.fixture
def identical(tmp_path):
    target = tmp_path / "identical"
    shutil.copytree(LIVE_DATA, target)
    return target


@pytest.fixture
def stricter(tmp_path):
    """A candidate that raises a plain headache to URGENT."""
    target = tmp_path / "stricter"
    shutil.copytree(LIVE_DATA, target)
    rules = (target / "rules.yaml").read_text()
    old = '  - {code: HEADACHE, any: [HEADACHE], tier: ROUTINE, source: "000"}'
    assert old in rules
    (target / "rules.yaml").write_text(
        rules.replace(old, '  - {code: HEADACHE, any: [HEADACHE], tier: URGENT, source: "test"}')
    )
    return target


def test_the_candidate_is_isolated_from_the_live_screener(stricter):
    from followup.screening import screen_text

    candidate = candidate_screener(str(stricter))
    assert candidate.screen_text("my head hurts a lot", procedure="ESI").tier == "URGENT"
    assert screen_text("my head hurts a lot", procedure="ESI").tier == "ROUTINE"


def test_an_incomplete_candidate_is_refused(tmp_path):
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    with pytest.raises(FileNotFoundError, match="concepts.yaml"):
        candidate_screener(str(tmp_path))


def test_disagreements_are_recorded_without_the_text_and_listed(
    client, clinic, settings, stricter, caplog
):
    settings.SCREENING_SHADOW_RULES = str(stricter)
    no_quiet_hours(clinic)
    patient = PatientFactory(clinic=clinic)
    with caplog.at_level(logging.DEBUG):
        post_sms(client, body="my head hurts a lot", from_=patient.phone)
        post_sms(client, body="thanks, all good", from_=patient.phone)
    assert "my head hurts" not in caplog.text
    row = ShadowDisagreement.objects.get()
    text = InboundMessage.objects.filter(patient=patient).order_by("pk").first()
    assert (row.live_tier, row.candidate_tier, row.inbound_message_id) == (
        "ROUTINE",
        "URGENT",
        text.pk,
    )
    assert row.rule_set == "stricter" and row.clinic_id == clinic.pk
    # The live verdict is what the patient got: the safety screen, nothing from the candidate.
    assert SafetyScreenRequest.objects.filter(patient=patient).count() == 1
    out = StringIO()
    call_command("screening_report", shadow=True, stdout=out)
    report = out.getvalue()
    assert "Shadow disagreements: 1" in report and f"inbound text #{text.pk}" in report
    assert "my head hurts" not in report
    out = StringIO()
    call_command("screening_report", shadow=True, json=True, clinic="nowhere", stdout=out)
    assert json.loads(out.getvalue())["n"] == 0


def test_an_identical_candidate_records_nothing(client, clinic, settings, identical):
    settings.SCREENING_SHADOW_RULES = str(identical)
    patient = PatientFactory(clinic=clinic)
    post_sms(client, body="my head hurts a lot", from_=patient.phone)
    post_sms(client, body="I cant breathe", from_=patient.phone)
    assert not ShadowDisagreement.objects.exists()


def test_a_broken_candidate_never_breaks_live_screening(client, clinic, settings, tmp_path, caplog):
    settings.SCREENING_SHADOW_RULES = str(tmp_path / "missing")
    patient = PatientFactory(clinic=clinic)
    response = post_sms(client, body="I cant breathe", from_=patient.phone)
    assert "911" in response.safety_text
    assert not ShadowDisagreement.objects.exists()
    assert "shadow screening failed (FileNotFoundError)" in caplog.text
