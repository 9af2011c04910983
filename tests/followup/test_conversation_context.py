"""Small conversation fixes (issue 18): the re-prompt repeats the question, and a bare yes or no
that answers nothing gets a reply saying what it was taken as and what the patient can do."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.models import TimelineEvent
from notifications.models import OutboundMessage
from tests.factories import PatientFactory, enroll
from tests.survey_helpers import bodies_to, last_text, post_sms, start_survey

pytestmark = pytest.mark.django_db


def test_the_reprompt_repeats_the_question(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    question = last_text(phone).split("\n")[-1]
    assert question.startswith("(1/7)")
    post_sms(client, body="maybe later", from_=phone)
    reprompt = last_text(phone)
    assert reprompt.startswith("Sorry, we did not understand. Please reply YES or NO.")
    assert reprompt.endswith(question)


def test_the_spanish_reprompt_repeats_the_spanish_question(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, language="es")
    phone = checkpoint.enrollment.patient.phone
    question = last_text(phone).split("\n")[-1]
    post_sms(client, body="quizas", from_=phone)
    reprompt = last_text(phone)
    assert reprompt.startswith("Perdon, no entendimos. Responda SI o NO.")
    assert reprompt.endswith(question)


@pytest.mark.parametrize("body", ["yes", "YES", "no", "Yes!", "si"])
def test_a_bare_yes_or_no_out_of_context_gets_a_reply(client, clinic, bob, body):
    patient = PatientFactory(clinic=clinic, language="es" if body == "si" else "en")
    enroll(patient=patient, physician=bob, procedure="ESI", performed_on=dt.date.today())
    before = set(bodies_to(patient.phone))
    response = post_sms(client, body=body, from_=patient.phone)
    assert response.status_code == 200
    new = [b for b in bodies_to(patient.phone) if b not in before]
    assert len(new) == 1, "a bare yes/no out of context got no reply at all"
    said = {"yes": "YES", "YES": "YES", "Yes!": "YES", "no": "NO", "si": "SI"}[body]
    assert f'"{said}"' in new[0] and "911" in new[0]
    assert ("could not record" in new[0]) or ("no pudimos registrar" in new[0])
    assert TimelineEvent.objects.filter(patient=patient, kind="sms_in").exists()


def test_a_second_bare_yes_the_same_day_is_still_answered(client, clinic, bob):
    patient = PatientFactory(clinic=clinic)
    enroll(patient=patient, physician=bob, procedure="ESI", performed_on=dt.date.today())
    post_sms(client, body="thanks", from_=patient.phone)
    sent = OutboundMessage.objects.filter(to=patient.phone).count()
    response = post_sms(client, body="yes", from_=patient.phone)
    assert response.status_code == 200
    assert OutboundMessage.objects.filter(to=patient.phone).count() == sent + 1
    assert "could not record" in last_text(patient.phone)


def test_a_sentence_outside_a_check_still_gets_the_daily_acknowledgement(client, clinic, bob):
    patient = PatientFactory(clinic=clinic)
    enroll(patient=patient, physician=bob, procedure="ESI", performed_on=dt.date.today())
    post_sms(client, body="yes I wanted to ask about my next appointment", from_=patient.phone)
    assert "passed to your care team" in last_text(patient.phone)
