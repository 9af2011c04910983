"""Answers → flags → escalations and the patient's safety reply, by the pinned protocol rules."""

from __future__ import annotations

import copy

import pytest
from django.utils import timezone

from followup.models import Escalation, Flag, Page, TimelineEvent
from followup.protocol_data import PROTOCOLS
from followup.protocols import protocol_publish
from followup.services.redflags import redflags_from_answers
from notifications.models import OutboundMessage

from .test_escalation_chain import answer, drain, enrolled_checkpoint, roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_call(clinic, bob):
    return roster(clinic, bob, around=timezone.now())


def test_it_raises_nothing_for_no_answers(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", False)
    answer(checkpoint, "PAIN_NOW", 7, "7")
    result = redflags_from_answers(checkpoint=checkpoint)
    assert (
        result.tier,
        result.flags,
        result.escalations,
        result.stop_survey,
        result.patient_reply,
    ) == (
        None,
        [],
        [],
        False,
        "",
    )
    assert Flag.objects.count() == Escalation.objects.count() == 0


def test_a_flag_records_rule_tier_evidence_source_and_time(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    at = timezone.now()
    answer(checkpoint, "RF_WEAKNESS", True, "Yeah")
    result = redflags_from_answers(checkpoint=checkpoint, now=at)
    flag = Flag.objects.get()
    assert result.flags == [flag]
    assert (flag.rule_code, flag.tier, flag.created_at) == ("WEAKNESS", "EMERGENCY", at)
    assert "RF_WEAKNESS: Yeah" in flag.evidence
    assert "000 Table 1" in flag.source and flag.reason.startswith("New or worsening weakness")
    assert flag.escalation == result.escalations[0] and flag.checkpoint == checkpoint
    assert TimelineEvent.objects.filter(kind="flag_raised", data__flag=flag.pk).exists()


def test_it_is_idempotent_for_the_same_answers(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    first = redflags_from_answers(checkpoint=checkpoint)
    pages = Page.objects.count()
    second = redflags_from_answers(checkpoint=checkpoint)
    assert first.tier == "EMERGENCY" and second.tier is None and second.flags == []
    assert second.patient_reply == "" and second.stop_survey is True  # still an emergency check
    assert Flag.objects.count() == 1 and Escalation.objects.count() == 1
    assert Page.objects.count() == pages


def test_fever_with_stiff_neck_is_one_emergency_not_an_urgent_as_well(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ITDD", key="d14")
    answer(checkpoint, "RF_FEVER", True)
    answer(checkpoint, "RF_STIFF_NECK_CONFUSION", True)
    result = redflags_from_answers(checkpoint=checkpoint)
    assert [f.rule_code for f in result.flags] == ["FEVER_MENINGISM"]
    assert result.tier == "EMERGENCY" and result.stop_survey


def test_fever_alone_is_urgent_and_the_survey_goes_on(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    answer(checkpoint, "RF_FEVER", True)
    result = redflags_from_answers(checkpoint=checkpoint)
    assert [f.rule_code for f in result.flags] == ["FEVER"]
    assert result.tier == "URGENT" and not result.stop_survey
    assert result.patient_reply.endswith(
        "The clinic will call you today. If it gets worse, call 911."
    )


@pytest.mark.parametrize(
    ("procedure", "question", "rule", "tier"),
    [
        ("ESI", "RF_HEADACHE_POSITIONAL", "HEADACHE_POSITIONAL", "URGENT"),
        ("ESI", "RF_HEADACHE_SEVERE", "HEADACHE_SEVERE", "EMERGENCY"),
        ("VA", "RF_VA_ADJACENT_PAIN", "VA_ADJACENT_PAIN", "URGENT"),
        ("SCS", "RF_SCS_BATTERY_SITE", "SCS_BATTERY_SITE", "URGENT"),
        ("SCS", "RF_SCS_COVERAGE", "SCS_COVERAGE", "ROUTINE"),
        ("ITDD", "RF_ITDD_SLEEPY", "ITDD_SLEEPY", "EMERGENCY"),
        ("ITDD", "RF_ITDD_ALARM", "ITDD_ALARM", "URGENT"),
        ("ESI", "RF_ESI_SUGAR", "ESI_SUGAR", "URGENT"),
        ("LYSIS", "RF_SEXUAL_FUNCTION", "LYSIS_SEXUAL_FUNCTION", "URGENT"),
        ("DISC", "RF_DISC_BACK_WORSE", "DISC_BACK_WORSE", "URGENT"),
        ("FACET_SI", "RF_FACET_BURNING", "FACET_BURNING", "ROUTINE"),
    ],
)
def test_procedure_rules_raise_their_tier(clinic, bob, on_call, procedure, question, rule, tier):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure=procedure)
    answer(checkpoint, question, True)
    result = redflags_from_answers(checkpoint=checkpoint)
    assert [(f.rule_code, f.tier) for f in result.flags] == [(rule, tier)]
    assert result.stop_survey is (tier == "EMERGENCY")


def test_every_shipped_rule_carries_its_source():
    for code, protocol in PROTOCOLS.items():
        for rule in protocol["red_flag_rules"]:
            assert rule["source"].strip(), f"{code} {rule['code']}"


def test_the_enrollment_keeps_the_rules_of_the_version_it_started_with(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    softer = copy.deepcopy(checkpoint.enrollment.protocol.definition)
    rule = next(r for r in softer["red_flag_rules"] if r["code"] == "SOB_CHEST")
    rule.update(tier="URGENT", stop_survey=False)
    v2 = protocol_publish(
        code="ESI",
        definition=softer,
        change_note="test: softer rule",
        override_reason="test: a clinic decision on record",
    )
    assert v2.version > checkpoint.enrollment.protocol.version
    answer(checkpoint, "RF_SOB_CHEST", True)
    assert redflags_from_answers(checkpoint=checkpoint).tier == "EMERGENCY"
    newer = enrolled_checkpoint(clinic, bob, procedure="ESI")
    answer(newer, "RF_SOB_CHEST", True)
    assert redflags_from_answers(checkpoint=newer).tier == "URGENT"


def test_a_second_yes_joins_the_open_escalation_without_paging_from_scratch(clinic, bob, on_call):
    h48 = enrolled_checkpoint(clinic, bob, key="h48", days_ago=2)
    answer(h48, "RF_SOB_CHEST", True)
    first = redflags_from_answers(checkpoint=h48)
    pages = Page.objects.count()
    d14 = h48.enrollment.checkpoints.get(key="d14")
    answer(d14, "RF_SOB_CHEST", True)
    second = redflags_from_answers(checkpoint=d14)
    assert second.escalations == first.escalations
    assert Escalation.objects.count() == 1 and Flag.objects.count() == 2
    assert Page.objects.count() == pages
    assert "911" in second.patient_reply, "the patient is still told what to do"
    assert TimelineEvent.objects.filter(kind="flag_attached").count() == 1


def test_a_new_flag_on_an_acknowledged_escalation_tells_its_owner(clinic, bob, on_call):
    from followup.services.escalations import escalation_acknowledge

    h48 = enrolled_checkpoint(clinic, bob, key="h48", days_ago=2)
    answer(h48, "RF_SOB_CHEST", True)
    escalation = redflags_from_answers(checkpoint=h48).escalations[0]
    escalation_acknowledge(escalation=escalation, user=bob, via="web")
    d14 = h48.enrollment.checkpoints.get(key="d14")
    answer(d14, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=d14)
    notices = OutboundMessage.objects.filter(purpose="staff_alert", recipient_user=bob)
    assert notices.filter(channel="sms").count() == 1
    assert escalation.code in notices.get(channel="sms").body


def test_a_care_gap_is_a_routine_flag_with_nothing_said_to_the_patient(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, key="m3", days_ago=90)
    answer(checkpoint, "BH_MEDS", False)
    answer(checkpoint, "BH_FALLS", False)
    result = redflags_from_answers(checkpoint=checkpoint)
    assert [(f.rule_code, f.tier) for f in result.flags] == [("NO_BONE_MEDS", "ROUTINE")]
    assert result.patient_reply == "" and not result.stop_survey
    assert Page.objects.count() == 0


def test_an_unanswered_question_is_not_a_yes(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    a = answer(checkpoint, "RF_SOB_CHEST", True)
    a.status = "unanswered"
    a.save()
    assert redflags_from_answers(checkpoint=checkpoint).flags == []


def test_a_truthy_value_that_is_not_true_is_not_a_yes(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", "yes")
    answer(checkpoint, "RF_WEAKNESS", 1)
    assert redflags_from_answers(checkpoint=checkpoint).flags == []


# --- what the patient is told --------------------------------------------------------------------
def test_the_self_harm_rule_adds_the_988_crisis_line(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ITDD")
    answer(checkpoint, "RF_ITDD_MOOD", True)
    reply = redflags_from_answers(checkpoint=checkpoint).patient_reply
    assert "911" in reply and "988" in reply and "Suicide & Crisis Lifeline" in reply


def test_a_spanish_speaking_patient_is_told_in_spanish(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, language="es")
    answer(checkpoint, "RF_SOB_CHEST", True)
    reply = redflags_from_answers(checkpoint=checkpoint).patient_reply
    assert "llame al 911" in reply and "sala de emergencias" in reply


def test_the_clinic_can_word_its_own_emergency_instruction(clinic, bob, on_call):
    clinic.emergency_instruction_en = "Call 911 now or go to St. David’s ER on Red River St."
    clinic.save()
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    reply = redflags_from_answers(checkpoint=checkpoint).patient_reply
    assert "St. David's ER on Red River St." in reply  # typographic apostrophe made GSM-7
    assert "nearest emergency department" not in reply


def test_the_reply_goes_through_the_outbox_when_asked(clinic, bob, on_call, sms_outbox):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    result = redflags_from_answers(checkpoint=checkpoint, reply_via_outbox=True)
    message = OutboundMessage.objects.get(purpose="safety")
    patient = checkpoint.enrollment.patient
    assert (message.to, message.body, message.unsolicited) == (
        patient.phone,
        result.patient_reply,
        False,
    )
    drain()
    assert [m["body"] for m in sms_outbox if m["to"] == patient.phone][-1] == result.patient_reply
    redflags_from_answers(checkpoint=checkpoint, reply_via_outbox=True)
    assert OutboundMessage.objects.filter(purpose="safety").count() == 1


def test_the_reply_is_not_sent_by_default(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint)
    assert not OutboundMessage.objects.filter(purpose="safety").exists()


def test_an_unreachable_patient_is_recorded_when_the_reply_cannot_go(clinic, bob, on_call):
    checkpoint = enrolled_checkpoint(clinic, bob, phone="", email="")
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, reply_via_outbox=True)
    assert not OutboundMessage.objects.filter(purpose="safety").exists()
    assert TimelineEvent.objects.filter(kind="safety_reply_undeliverable").exists()
    assert Escalation.objects.count() == 1
