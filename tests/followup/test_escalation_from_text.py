"""Free text from a patient: flags of the right tier, one escalation per problem, nothing unseen."""

from __future__ import annotations

import pytest
from django.utils import timezone

from followup.models import Escalation, Flag, Page
from followup.services.redflags import redflags_from_answers, redflags_from_text
from notifications.models import OutboundMessage
from tests.factories import PatientFactory

from .test_escalation_chain import answer, enrolled_checkpoint, roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_call(clinic, bob):
    return roster(clinic, bob, around=timezone.now())


def test_an_unsolicited_emergency_text_escalates_and_tells_the_patient(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    patient = checkpoint.enrollment.patient
    result = redflags_from_text(
        patient=patient, text="cant breath since this morning", inbound_message_id=41
    )
    assert result.tier == "EMERGENCY" and result.stop_survey
    assert "911" in result.patient_reply
    flag = Flag.objects.get()
    assert (flag.rule_code, flag.inbound_message_id, flag.enrollment) == (
        "SOB_CHEST",
        41,
        checkpoint.enrollment,
    )
    assert (
        "cant breath since this morning" in flag.evidence and "free-text screening" in flag.source
    )
    assert Page.objects.filter(escalation=result.escalations[0]).exists()


def test_a_spanish_text_gets_a_spanish_reply(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, language="es")
    result = redflags_from_text(patient=checkpoint.enrollment.patient, text="me falta el aire")
    assert result.tier == "EMERGENCY" and "llame al 911" in result.patient_reply


@pytest.mark.parametrize(
    "text", ["thanks!", "no fever, feeling great", "the headache is gone", "", "   "]
)
def test_benign_or_negated_text_raises_nothing(clinic, bob, on_call, text):
    checkpoint = enrolled_checkpoint(clinic, bob)
    result = redflags_from_text(patient=checkpoint.enrollment.patient, text=text)
    assert result.tier is None and result.flags == [] and result.patient_reply == ""
    assert Escalation.objects.count() == 0


def test_a_text_that_may_be_a_symptom_goes_to_triage_as_routine(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    result = redflags_from_text(patient=checkpoint.enrollment.patient, text="I feel off today")
    assert result.tier == "ROUTINE" and result.patient_reply == "" and not result.stop_survey
    escalation = Escalation.objects.get()
    assert escalation.tier == "ROUTINE" and escalation.status == "open"
    assert Page.objects.count() == 0


def test_a_text_joins_the_escalation_a_yes_answer_opened(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    opened = redflags_from_answers(checkpoint=checkpoint).escalations[0]
    pages = Page.objects.count()
    result = redflags_from_text(
        patient=checkpoint.enrollment.patient, text="still cant breathe", inbound_message_id=7
    )
    assert result.escalations == [opened]
    assert Escalation.objects.count() == 1 and Page.objects.count() == pages


def test_fever_with_a_severe_headache_is_not_also_plain_fever(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI", language="es")
    result = redflags_from_text(
        patient=checkpoint.enrollment.patient, text="fiebre y dolor de cabeza fuerte"
    )
    codes = {f.rule_code for f in result.flags}
    assert "FEVER_MENINGISM" in codes and "FEVER" not in codes
    assert result.tier == "EMERGENCY"


def test_self_harm_words_give_the_crisis_line_and_join_the_itdd_mood_rule(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ITDD")
    result = redflags_from_text(
        patient=checkpoint.enrollment.patient, text="I dont want to live anymore"
    )
    assert "988" in result.patient_reply and "911" in result.patient_reply
    assert [f.rule_code for f in result.flags] == ["ITDD_MOOD"]


def test_two_findings_under_one_rule_make_one_flag(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    result = redflags_from_text(
        patient=checkpoint.enrollment.patient, text="my neck is stiff and im confused"
    )
    assert [f.rule_code for f in result.flags] == ["NECK_CONFUSION"]


def test_the_same_inbound_message_screened_twice_raises_once(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    patient = checkpoint.enrollment.patient
    redflags_from_text(patient=patient, text="legs giving out", inbound_message_id=99)
    again = redflags_from_text(patient=patient, text="legs giving out", inbound_message_id=99)
    assert again.flags == [] and again.patient_reply == ""
    assert Flag.objects.count() == 1


def test_a_free_text_answer_in_a_check_is_idempotent_without_a_message_id(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    patient = checkpoint.enrollment.patient
    redflags_from_text(patient=patient, text="peeing myself", checkpoint=checkpoint)
    redflags_from_text(patient=patient, text="peeing myself", checkpoint=checkpoint)
    assert Flag.objects.count() == 1


def test_a_patient_with_no_enrollment_is_screened_at_the_highest_tier_and_escalated_to_their_clinic(
    clinic, bob
):
    patient = PatientFactory(clinic=clinic)
    result = redflags_from_text(patient=patient, text="my legs are weak")
    assert result.tier == "EMERGENCY"
    escalation = Escalation.objects.get()
    assert escalation.clinic == clinic and escalation.enrollment is None


def test_the_web_form_sends_the_reply_through_the_outbox(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    patient = checkpoint.enrollment.patient
    result = redflags_from_text(
        patient=patient, text="chest pain", checkpoint=checkpoint, reply_via_outbox=True
    )
    message = OutboundMessage.objects.get(purpose="safety")
    assert message.to == patient.phone and message.body == result.patient_reply


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("my throat is closing up", "ANAPHYLAXIS", "Allergic reaction"),
        ("fever of 102 and my heart is racing", "SEPSIS", "sepsis"),
        ("my charger won't connect to the battery", "DEVICE_PROBLEM", "charger"),
    ],
)
def test_a_code_no_protocol_names_still_gets_a_reason_in_words(
    clinic, bob, on_call, text, code, words
):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="SCS")
    redflags_from_text(patient=checkpoint.enrollment.patient, text=text)
    flag = Flag.objects.get(rule_code=code)
    assert words in flag.reason and code not in flag.reason
