"""Issue 21 item 3: an uncertain free text gets the safety screen; the next reply answers it.

End to end: signed Twilio webhook -> stored inbound -> inbound processing (as a worker does) ->
conversation -> outbox; the timeout through the real sweep (``dispatch_due``) with a shifted clock.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.dispatch import dispatch_due
from followup.models import (
    CheckpointStatus,
    Escalation,
    Flag,
    Page,
    SafetyScreenRequest,
    SafetyScreenStatus,
)
from patients.models import Patient
from tests.survey_helpers import bodies_to, no_quiet_hours, post_sms, start_survey

from .test_escalation_chain import enrolled_checkpoint, roster

pytestmark = pytest.mark.django_db

UNSURE_EN = "my head hurts a lot"  # a body complaint the screener cannot place: ROUTINE + screen
UNSURE_ES = "me duele la cabeza"


@pytest.fixture
def on_call(clinic, bob):
    return roster(clinic, bob, around=timezone.now())


@pytest.fixture
def patient(clinic, bob, on_call):
    no_quiet_hours(clinic)
    return enrolled_checkpoint(clinic, bob, procedure="ESI").enrollment.patient


def _screen_sent(phone: str) -> str:
    screens = [b for b in bodies_to(phone) if "0 None of these" in b or "0 Ninguno" in b]
    assert screens, bodies_to(phone)
    return screens[-1]


def test_an_uncertain_text_gets_the_safety_screen_at_once_with_the_emergency_line(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    body = _screen_sent(patient.phone)
    assert body.startswith("To be safe, do you have any of these now?")
    assert "1 " in body and "call 911" in body
    row = SafetyScreenRequest.objects.get(patient=patient)
    assert row.status == SafetyScreenStatus.OPEN and row.language == "en"
    assert row.due_at == row.sent_at + dt.timedelta(minutes=15)
    # Sent on the safety lane, not as bulk; no separate "thank you" text beside it.
    from notifications.models import OutboundMessage

    assert set(
        OutboundMessage.objects.filter(to=patient.phone).values_list("purpose", flat=True)
    ) == {"safety"}
    assert not any(
        b.startswith(f"{patient.clinic.name}: thank you") for b in bodies_to(patient.phone)
    )


def test_a_positive_choice_takes_the_emergency_path(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    row = SafetyScreenRequest.objects.get()
    choice = row.options.index("WEAKNESS") + 1
    response = post_sms(client, body=f"yes {choice}", from_=patient.phone)
    assert "911" in response.safety_text
    flag = Flag.objects.get(tier="EMERGENCY")
    assert flag.rule_code == "WEAKNESS" and "safety screen" in flag.evidence
    escalation = Escalation.objects.get(tier="EMERGENCY")
    assert Page.objects.filter(escalation=escalation).exists()
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.EMERGENCY and row.closed_at is not None


def test_none_closes_it_with_a_routine_triage_item(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    response = post_sms(client, body="none of these", from_=patient.phone)
    assert response.safety_text.startswith(f"{patient.clinic.name}: thank you")
    assert "call 911" in response.safety_text
    row = SafetyScreenRequest.objects.get()
    assert row.status == SafetyScreenStatus.NONE
    assert not Flag.objects.filter(tier__in=["EMERGENCY", "URGENT"]).exists()
    assert Escalation.objects.filter(tier="ROUTINE", status="open").exists()
    assert Page.objects.count() == 0
    # The next text is an ordinary text again, not an answer to a closed screen.
    post_sms(client, body="thanks", from_=patient.phone)
    assert SafetyScreenRequest.objects.get().status == SafetyScreenStatus.NONE


def test_garbage_is_asked_again_once_then_a_valid_answer_counts(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    response = post_sms(client, body="what do you mean", from_=patient.phone)
    assert "Please reply with the numbers only" in response.safety_text
    assert "call 911" in response.safety_text
    row = SafetyScreenRequest.objects.get()
    assert row.status == SafetyScreenStatus.OPEN and row.prompts_sent == 2
    post_sms(client, body="2", from_=patient.phone)
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.EMERGENCY
    assert Flag.objects.get(tier="EMERGENCY").rule_code == row.options[1]


def test_garbage_twice_goes_to_a_nurse_as_urgent(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    post_sms(client, body="what do you mean", from_=patient.phone)
    post_sms(client, body="???", from_=patient.phone)
    row = SafetyScreenRequest.objects.get()
    assert row.status == SafetyScreenStatus.UNCLEAR
    assert Flag.objects.get(tier="URGENT").rule_code == "SAFETY_SCREEN"


def test_an_emergency_free_text_instead_of_an_answer_still_takes_the_emergency_path(
    client, patient
):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    response = post_sms(client, body="now I cant breathe", from_=patient.phone)
    assert "911" in response.safety_text
    assert Flag.objects.filter(tier="EMERGENCY").exists()
    assert SafetyScreenRequest.objects.get().status == SafetyScreenStatus.SUPERSEDED


def test_no_answer_is_raised_for_nurse_review_by_the_sweep(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    row = SafetyScreenRequest.objects.get()
    dispatch_due(now=row.sent_at + dt.timedelta(minutes=14))
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.OPEN
    dispatch_due(now=row.sent_at + dt.timedelta(minutes=15, seconds=1))
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.TIMED_OUT
    flag = Flag.objects.get(tier="URGENT")
    assert flag.rule_code == "SAFETY_SCREEN" and "nurse review due by" in flag.reason
    assert flag.inbound_message_id == row.inbound_message_id is not None  # the prompting text
    assert Escalation.objects.filter(tier="URGENT", kind="SAFETY_SCREEN").exists()
    # A second sweep raises nothing more.
    dispatch_due(now=row.sent_at + dt.timedelta(minutes=30))
    assert Flag.objects.filter(tier="URGENT").count() == 1


@pytest.mark.parametrize("minutes", [5, 60])
def test_the_timeout_comes_from_settings(client, patient, settings, minutes):
    settings.SAFETY_SCREEN_TIMEOUT_MINUTES = minutes
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    row = SafetyScreenRequest.objects.get()
    assert row.due_at - row.sent_at == dt.timedelta(minutes=minutes)


def test_stop_during_a_screen_wins_and_the_screen_still_reaches_a_nurse(client, patient):
    post_sms(client, body=UNSURE_EN, from_=patient.phone)
    sent = len(bodies_to(patient.phone))
    post_sms(client, body="STOP", from_=patient.phone)
    assert not Patient.objects.get(pk=patient.pk).can_text
    row = SafetyScreenRequest.objects.get()
    assert row.status == SafetyScreenStatus.OPEN  # STOP is a keyword, not an answer
    assert not Flag.objects.filter(tier="EMERGENCY").exists()
    dispatch_due(now=row.sent_at + dt.timedelta(minutes=16))
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.TIMED_OUT
    assert Flag.objects.filter(tier="URGENT", rule_code="SAFETY_SCREEN").exists()
    # Nothing more was texted to the opted-out patient after STOP's confirmation.
    assert len(bodies_to(patient.phone)) <= sent + 1


def test_spanish(client, clinic, bob, on_call):
    no_quiet_hours(clinic)
    patient = enrolled_checkpoint(clinic, bob, procedure="ESI", language="es").enrollment.patient
    post_sms(client, body=UNSURE_ES, from_=patient.phone)
    body = _screen_sent(patient.phone)
    assert body.startswith("Por su seguridad") and "llame al 911" in body
    row = SafetyScreenRequest.objects.get()
    assert row.language == "es"
    response = post_sms(client, body="ninguno", from_=patient.phone)
    assert "gracias" in response.safety_text and "llame al 911" in response.safety_text
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.NONE


def test_in_a_check_the_screen_interrupts_and_none_resumes_the_question(
    client, clinic, bob, on_call
):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    post_sms(client, body=UNSURE_EN, from_=phone)  # not an answer to the first question
    row = SafetyScreenRequest.objects.get()
    assert row.checkpoint_id == checkpoint.pk
    response = post_sms(client, body="0", from_=phone)
    assert "thank you" in response.safety_text
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.OPEN
    row.refresh_from_db()
    assert row.status == SafetyScreenStatus.NONE


def test_an_emergency_choice_in_a_check_stops_the_check(client, clinic, bob, on_call):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    post_sms(client, body=UNSURE_EN, from_=phone)
    post_sms(client, body="1", from_=phone)
    checkpoint.refresh_from_db()
    assert checkpoint.status != CheckpointStatus.OPEN
    assert Flag.objects.filter(tier="EMERGENCY").exists()
