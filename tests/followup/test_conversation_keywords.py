"""Texts that are not survey answers: keywords, opted-out patients, shared numbers, unsolicited texts,
late replies and clinicians' page phones."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.conversation.shared_phone import sender_prompts_expire
from followup.dispatch import checkpoints_close_expired
from followup.models import (
    Answer,
    Checkpoint,
    CheckpointStatus,
    Flag,
    SenderPrompt,
    SenderPromptStatus,
    TimelineEvent,
)
from notifications.models import InboundMessage, OutboundMessage, OutboundStatus
from patients.models import Patient
from tests.factories import PatientFactory
from tests.survey_helpers import bodies_to, last_text, post_sms, safety_text, start_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoint(clinic, bob):
    return start_survey(legacy=True, clinic=clinic, physician=bob)


@pytest.fixture
def phone(checkpoint):
    return checkpoint.enrollment.patient.phone


def last_inbound() -> InboundMessage:
    return InboundMessage.objects.order_by("-id").first()


# --- STOP ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop. ",
        "STOP!!",
        "Unsubscribe",
        "cancel",
        "END",
        "quit",
        "revoke",
        "opt out",
        "OPT-OUT",
        "stopall",
        "please stop texting me",
        "Don't text me anymore",
        "no more texts please",
    ],
)
def test_stop_words_win_over_the_survey_and_opt_the_patient_out_once(
    client, checkpoint, phone, body
):
    before = len(bodies_to(phone))
    post_sms(client, body=body, from_=phone)
    patient = Patient.objects.get(pk=checkpoint.enrollment.patient_id)
    assert patient.is_opted_out and not patient.can_text
    assert not Answer.objects.filter(checkpoint=checkpoint).exists()  # "stop" is not an answer
    replies = bodies_to(phone)[before:]
    assert len(replies) == 1 and "no more texts" in replies[0] and "START" in replies[0]
    assert last_inbound().kind == "stop"
    assert TimelineEvent.objects.filter(patient=patient, kind="opt_out").exists()


def test_after_stop_nothing_more_is_sent_not_even_a_second_confirmation(client, checkpoint, phone):
    post_sms(client, body="STOP", from_=phone)
    count = len(bodies_to(phone))
    post_sms(client, body="STOP", from_=phone)
    post_sms(client, body="7", from_=phone)  # a late survey answer
    post_sms(client, body="hello?", from_=phone)
    assert len(bodies_to(phone)) == count
    kinds = list(
        InboundMessage.objects.filter(from_number=phone)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["stop_repeat", "opted_out", "opted_out"]
    # Stored and visible to staff, never answered.
    assert TimelineEvent.objects.filter(kind="sms_in", data__kind="opted_out").count() == 2


def test_stop_cancels_texts_not_yet_sent(client, checkpoint, phone):
    opening = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert opening.status == OutboundStatus.PENDING
    post_sms(client, body="stop", from_=phone)
    opening.refresh_from_db()
    assert opening.status == OutboundStatus.CANCELLED
    confirmation = OutboundMessage.objects.filter(to=phone).order_by("-id").first()
    assert confirmation.status == OutboundStatus.PENDING and confirmation.purpose == "keyword"


def test_a_stop_that_describes_pain_is_not_an_opt_out(client, checkpoint, phone):
    post_sms(client, body="Stop! It hurts so much", from_=phone)
    assert not Patient.objects.get(pk=checkpoint.enrollment.patient_id).is_opted_out


def test_an_opted_out_patient_texting_a_symptom_still_reaches_a_clinician_but_gets_no_reply(
    client, checkpoint, phone
):
    post_sms(client, body="STOP", from_=phone)
    count = len(bodies_to(phone))
    response = post_sms(client, body="I can't breathe", from_=phone)
    assert safety_text(response) == ""
    assert len(bodies_to(phone)) == count
    assert Flag.objects.filter(patient=checkpoint.enrollment.patient).exists()


@pytest.mark.parametrize(
    "body",
    ["Unsubscribe. I can't breathe and my chest hurts", "STOP texting me, I can't move my legs"],
)
def test_an_opt_out_that_describes_an_emergency_opts_out_and_still_pages_a_clinician(
    client, checkpoint, phone, body
):
    before = len(bodies_to(phone))
    post_sms(client, body=body, from_=phone)
    patient = Patient.objects.get(pk=checkpoint.enrollment.patient_id)
    assert patient.is_opted_out  # the opt-out is honoured
    flag = Flag.objects.get(patient=patient, inbound_message_id=last_inbound().pk)
    assert flag.tier == "EMERGENCY" and flag.escalation is not None
    replies = bodies_to(phone)[before:]
    # One text only (the confirmation), and it carries the emergency instruction.
    assert len(replies) == 1 and "911" in replies[0] and "START" in replies[0]


def test_a_plain_opt_out_raises_nothing(client, checkpoint, phone):
    post_sms(client, body="please stop texting me", from_=phone)
    assert not Flag.objects.filter(patient=checkpoint.enrollment.patient).exists()


# --- START and HELP --------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["START", "unstop", "Yes"])
def test_start_words_opt_back_in(client, checkpoint, phone, body):
    post_sms(client, body="STOP", from_=phone)
    post_sms(client, body=body, from_=phone)
    patient = Patient.objects.get(pk=checkpoint.enrollment.patient_id)
    assert not patient.is_opted_out and patient.can_text
    assert "texts again" in last_text(phone)
    assert TimelineEvent.objects.filter(patient=patient, kind="opt_in").exists()


def test_yes_from_a_subscribed_patient_is_a_survey_answer_not_an_opt_in(client, checkpoint, phone):
    post_sms(client, body="no", from_=phone)
    post_sms(client, body="yes", from_=phone)
    assert Answer.objects.get(checkpoint=checkpoint, question_code="RF_BLADDER_BOWEL").value is True


@pytest.mark.parametrize("body", ["HELP", "help", "Info", "AYUDA", "help."])
def test_help_answers_with_the_programme_details(client, checkpoint, phone, clinic, body):
    post_sms(client, body=body, from_=phone)
    reply = last_text(phone)
    assert clinic.name in reply and clinic.phone in reply
    assert "3 msgs/week" in reply
    assert "Msg & data rates may apply" in reply and "Reply STOP to cancel" in reply
    assert last_inbound().kind == "help"
    checkpoint.refresh_from_db()
    assert checkpoint.current_index == 0  # the survey waits


def test_help_me_is_not_the_help_keyword(client, checkpoint, phone):
    post_sms(client, body="help me", from_=phone)
    assert last_inbound().kind != "help"


# --- shared numbers --------------------------------------------------------------------------------------


@pytest.fixture
def shared(clinic, bob):
    """Ana Ruiz has an open check; her husband Juan Soto is a patient on the same phone."""
    checkpoint = start_survey(
        legacy=True, clinic=clinic, physician=bob, first_name="Ana", last_name="Ruiz"
    )
    phone = checkpoint.enrollment.patient.phone
    husband = PatientFactory(clinic=clinic, first_name="Juan", last_name="Soto", phone=phone)
    return checkpoint, husband, phone


def test_a_reply_from_a_shared_number_asks_who_is_writing_and_records_nothing(client, shared):
    checkpoint, husband, phone = shared
    post_sms(client, body="no", from_=phone)
    reply = last_text(phone)
    assert "Reply 1 for A.R., 2 for J.S." in reply and "911" in reply
    for secret in ("Ana", "Ruiz", "Juan", "Soto", "1961"):
        assert secret not in reply
    assert not Answer.objects.exists()
    assert last_inbound().kind == "held_shared" and last_inbound().patient_id is None
    assert SenderPrompt.objects.get(phone=phone).status == SenderPromptStatus.ASKING


def test_a_held_text_describing_an_emergency_is_answered_and_flagged_at_once(client, shared):
    from followup.models import Escalation

    checkpoint, husband, phone = shared
    response = post_sms(client, body="I cant breathe and my chest hurts", from_=phone)
    assert "911" in safety_text(response)
    assert last_inbound().kind == "held_shared"
    flagged = set(Flag.objects.filter(tier="EMERGENCY").values_list("patient_id", flat=True))
    assert flagged == {checkpoint.enrollment.patient_id, husband.pk}
    assert Escalation.objects.filter(tier="EMERGENCY", status="open").count() == 2


def test_a_held_benign_text_raises_nothing(client, shared):
    checkpoint, husband, phone = shared
    response = post_sms(client, body="no", from_=phone)
    assert safety_text(response) == ""
    assert not Flag.objects.exists()


def test_the_sender_choice_releases_the_held_text_to_that_patient(client, shared):
    checkpoint, husband, phone = shared
    held = post_sms(client, body="no", from_=phone)
    assert held.status_code == 200
    post_sms(client, body="1", from_=phone)
    checkpoint.refresh_from_db()
    assert Answer.objects.get(checkpoint=checkpoint, question_code="RF_WEAKNESS").value is False
    assert last_text(phone).startswith("(2/7)")
    # For a while, the number's texts go to the chosen patient without asking again.
    post_sms(client, body="no", from_=phone)
    assert (
        Answer.objects.get(checkpoint=checkpoint, question_code="RF_BLADDER_BOWEL").value is False
    )
    assert (
        SenderPrompt.objects.get(phone=phone).chosen_patient_id == checkpoint.enrollment.patient_id
    )


def test_a_reply_that_is_not_a_choice_is_held_and_asked_once_more_then_nothing(client, shared):
    checkpoint, husband, phone = shared
    post_sms(client, body="no", from_=phone)
    post_sms(client, body="what?", from_=phone)
    post_sms(client, body="no idea", from_=phone)
    asks = [b for b in bodies_to(phone) if "Who is writing?" in b]
    assert len(asks) == 2
    prompt = SenderPrompt.objects.get(phone=phone)
    assert len(prompt.held_inbound_ids) == 3 and prompt.status == SenderPromptStatus.ASKING
    assert not Answer.objects.exists()


def test_the_sender_can_answer_with_initials(client, shared):
    checkpoint, husband, phone = shared
    post_sms(client, body="hi, my back is fine", from_=phone)
    post_sms(client, body="JS", from_=phone)
    prompt = SenderPrompt.objects.get(phone=phone)
    assert prompt.chosen_patient_id == husband.pk
    # Juan has no open check: his text is unsolicited, on his timeline, not on Ana's.
    assert TimelineEvent.objects.filter(patient=husband, kind="sms_in").exists()
    assert not TimelineEvent.objects.filter(
        patient=checkpoint.enrollment.patient, kind="sms_in"
    ).exists()


def test_an_unanswered_question_hands_the_held_texts_to_staff(client, shared):
    checkpoint, husband, phone = shared
    post_sms(client, body="I feel dizzy", from_=phone)
    prompt = SenderPrompt.objects.get(phone=phone)
    assert sender_prompts_expire(now=timezone.now())["sender_prompts_closed"] == 0
    assert (
        sender_prompts_expire(now=prompt.expires_at + dt.timedelta(seconds=1))[
            "sender_prompts_closed"
        ]
        == 1
    )
    prompt.refresh_from_db()
    assert prompt.status == SenderPromptStatus.CLOSED
    for patient in (checkpoint.enrollment.patient, husband):
        assert TimelineEvent.objects.filter(patient=patient, kind="sms_unattributed").exists()
    assert last_inbound().kind == "unattributed"


def test_initials_that_clash_are_told_apart_by_birth_year(client, clinic, bob):
    checkpoint = start_survey(
        legacy=True, clinic=clinic, physician=bob, first_name="Ana", last_name="Ruiz"
    )
    phone = checkpoint.enrollment.patient.phone
    PatientFactory(
        clinic=clinic,
        first_name="Alba",
        last_name="Rios",
        phone=phone,
        date_of_birth=dt.date(1990, 1, 1),
    )
    post_sms(client, body="no", from_=phone)
    assert "Reply 1 for A.R. (1961), 2 for A.R. (1990)." in last_text(phone)


def test_stop_from_a_shared_number_opts_out_everyone_on_it(client, shared):
    checkpoint, husband, phone = shared
    post_sms(client, body="STOP", from_=phone)
    assert Patient.objects.filter(phone=phone, opted_out_at__isnull=False).count() == 2
    assert len([b for b in bodies_to(phone) if "no more texts" in b]) == 1


# --- unsolicited texts and late replies ---------------------------------------------------------------------


def test_a_text_outside_any_check_goes_on_the_timeline_and_gets_one_ack_a_day(client, clinic, bob):
    patient = PatientFactory(clinic=clinic)
    post_sms(client, body="Can I shower yet?", from_=patient.phone)
    post_sms(client, body="Also, can I drive?", from_=patient.phone)
    events = TimelineEvent.objects.filter(patient=patient, kind="sms_in")
    assert events.count() == 2 and "Can I shower yet?" in events.first().summary
    replies = bodies_to(patient.phone)
    assert (
        len(replies) == 1 and "passed to your care team" in replies[0] and clinic.name in replies[0]
    )
    assert not OutboundMessage.objects.filter(to=patient.phone, unsolicited=True).exists()
    assert last_inbound().kind == "unsolicited"


def test_an_unsolicited_emergency_text_gets_the_safety_text_at_once(client, clinic, bob):
    checkpoint = start_survey(
        legacy=True, clinic=clinic, physician=bob, procedure="TUMOR_ABLATION", key="w6", days_ago=45
    )
    phone = checkpoint.enrollment.patient.phone
    for body in ("no", "no", "no", "yes", "2", "no"):
        post_sms(client, body=body, from_=phone)
    assert Checkpoint.objects.get(pk=checkpoint.pk).status == CheckpointStatus.COMPLETED
    response = post_sms(
        client, body="my legs are giving out and I can't feel my groin", from_=phone
    )
    assert "911" in safety_text(response)
    assert Flag.objects.filter(patient=checkpoint.enrollment.patient, tier="EMERGENCY").exists()
    # The safety text answers them; no "thank you" beside it.
    assert "passed to your care team" not in last_text(phone)


def test_a_late_reply_to_an_expired_check_is_kept_for_staff(client, checkpoint, phone):
    post_sms(client, body="no", from_=phone)
    checkpoints_close_expired(now=checkpoint.closes_at + dt.timedelta(minutes=1))
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.MISSED
    post_sms(client, body="no", from_=phone)
    row = last_inbound()
    assert row.kind == "late_reply" and row.checkpoint_id == checkpoint.pk
    event = TimelineEvent.objects.filter(
        patient=checkpoint.enrollment.patient, kind="sms_in"
    ).last()
    assert event.summary.startswith("Late reply to a closed check")
    assert Answer.objects.filter(checkpoint=checkpoint).count() == 1  # not recorded as an answer


# --- clinicians ----------------------------------------------------------------------------------------


def test_a_clinicians_page_phone_is_handled_before_any_patient_routing(client, bob):
    page_phone = bob.memberships.get().page_phone
    post_sms(client, body="hello", from_=page_phone)
    assert last_inbound().kind == "clinician"
    assert "ACK" in last_text(page_phone)


def test_one_person_registered_at_two_clinics_answers_the_clinic_in_conversation(
    client, clinic, other_clinic, bob
):
    # Texts never cross clinics (test_clinic_routing.py): the open check's clinic gets the
    # answer, without a "who is writing?" that would name the other clinic.
    checkpoint = start_survey(
        legacy=True, clinic=clinic, physician=bob, first_name="Ana", last_name="Ruiz"
    )
    phone = checkpoint.enrollment.patient.phone
    PatientFactory(clinic=other_clinic, first_name="Ana", last_name="Ruiz", phone=phone)
    post_sms(client, body="no", from_=phone)
    assert not SenderPrompt.objects.exists()
    assert Answer.objects.get(checkpoint=checkpoint, question_code="RF_WEAKNESS").value is False
