"""Patients who prefer email: one email (text + HTML) whose link covers every question of the check."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail

from followup.models import Answer, AnswerStatus, CheckpointStatus, Flag, Score
from followup.odi import ODI_SECTION_KEYS
from notifications.models import OutboundMessage
from notifications.outbox import outbox_send
from tests.survey_helpers import start_survey

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://followup\.test(/f/[A-Za-z0-9_-]+/)")


@pytest.fixture
def checkpoint(clinic, bob):
    return start_survey(
        clinic=clinic, physician=bob, preferred_channel="email", email="ana@example.org"
    )


@pytest.fixture
def email(checkpoint) -> OutboundMessage:
    return OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")


@pytest.fixture
def form_path(email) -> str:
    return LINK.search(email.body).group(1)


def full_answers(**overrides) -> dict:
    data = {
        "q_RF_WEAKNESS": "no",
        "q_RF_BLADDER_BOWEL": "no",
        "q_PAIN_NOW": "4",
        "q_PAIN_AVG": "5",
        "q_MEDS": "less",
        "q_PGIC7": "much_improved",
        "q_ANYTHING_ELSE": "",
        **{f"odi_{key}": "1" for key in ODI_SECTION_KEYS},
        "vas": "35",
        "vas_set": "1",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_check_goes_out_as_one_email_with_text_and_html(checkpoint, email, clinic):
    assert checkpoint.channel == "email"
    assert OutboundMessage.objects.filter(checkpoint=checkpoint).count() == 1
    assert not OutboundMessage.objects.filter(checkpoint=checkpoint, channel="sms").exists()
    assert email.channel == "email" and email.to == "ana@example.org" and email.unsolicited
    assert email.subject == f"{clinic.name}: your follow-up check"
    assert LINK.search(email.body) and LINK.search(email.html_body)
    assert "911" in email.body and clinic.phone in email.body
    patient = checkpoint.enrollment.patient
    assert patient.last_name not in email.body and "epidural" not in email.body.lower()
    outbox_send(message_id=email.pk)
    (sent,) = mail.outbox
    assert sent.to == ["ana@example.org"] and sent.body == email.body
    assert sent.alternatives[0][1] == "text/html" and "<a href=" in sent.alternatives[0][0]


def test_a_spanish_patient_gets_the_email_in_spanish(clinic, bob):
    checkpoint = start_survey(
        clinic=clinic,
        physician=bob,
        preferred_channel="email",
        email="b@example.org",
        language="es",
    )
    email = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert email.subject.endswith("su control de seguimiento") and "Hola" in email.body
    assert 'lang="es"' in email.html_body


def test_the_form_covers_every_question_red_flags_first(client, form_path):
    html = client.get(form_path).content.decode()
    order = [
        html.find(marker)
        for marker in (
            "weakness in your legs or arms",
            "controlling your bladder",
            "How bad is your pain right now",
            "how much pain medicine",
            "Since the procedure you are",
            "Pain intensity",
            "Your pain today",
            "Anything else you want your care team to know?",
        )
    ]
    assert all(i > 0 for i in order) and order == sorted(order)
    assert (
        "Reply YES or NO" not in html and "Reply with one number" not in html
    )  # SMS wording removed


def test_red_flag_questions_must_be_answered(client, form_path, checkpoint):
    response = client.post(form_path, full_answers(q_RF_WEAKNESS=None))
    assert b"Please answer yes or no." in response.content
    assert not Answer.objects.filter(checkpoint=checkpoint).exists()


def test_a_complete_form_records_every_answer_and_score_and_completes_the_check(
    client, form_path, checkpoint
):
    response = client.post(form_path, full_answers())
    assert response.status_code == 200 and b"Thank you" in response.content
    got = {a.question_code: a for a in Answer.objects.filter(checkpoint=checkpoint)}
    assert (
        got["RF_WEAKNESS"].value is False
        and got["PAIN_NOW"].value == 4
        and got["MEDS"].value == "less"
    )
    assert got["PGIC7"].value == "much_improved" and got["VAS"].value == 35
    assert (
        got["ANYTHING_ELSE"].status == AnswerStatus.UNANSWERED
    )  # left empty, and staff can see it
    scores = {s.kind: s.value for s in Score.objects.filter(checkpoint=checkpoint)}
    assert scores == {
        "NRS_NOW": Decimal("4.0"),
        "NRS_AVG": Decimal("5.0"),
        "ODI": Decimal("20.0"),
        "VAS": Decimal("35.0"),
    }
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.COMPLETED


def test_an_emergency_answer_shows_the_safety_instruction_and_sends_it(
    client, form_path, checkpoint
):
    response = client.post(form_path, full_answers(q_RF_WEAKNESS="yes"))
    html = response.content.decode()
    assert 'role="alert"' in html and "call 911" in html
    assert Flag.objects.filter(checkpoint=checkpoint, tier="EMERGENCY").exists()
    safety = OutboundMessage.objects.get(patient=checkpoint.enrollment.patient, purpose="safety")
    assert "911" in safety.body


def test_free_text_on_the_form_is_screened(client, form_path, checkpoint):
    response = client.post(
        form_path, full_answers(q_ANYTHING_ELSE="I have a fever and the wound is oozing pus")
    )
    assert Flag.objects.filter(patient=checkpoint.enrollment.patient).exists()
    assert b'role="alert"' in response.content
