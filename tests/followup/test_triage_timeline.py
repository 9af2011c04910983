"""The patient timeline: the whole story on one page, and the call-back panel."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from followup.models import Answer, CheckpointStatus, Score
from followup.timeline import timeline_add
from notifications.models import InboundMessage, OutboundMessage
from patients.models import AuditEvent

from ..factories import PatientFactory, enroll
from .test_triage_queue import raise_flag, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(clinic, bob):
    """A VA patient three weeks out: checks in every state, messages both ways, scores, a flag."""
    now = timezone.now()
    patient = PatientFactory(
        clinic=clinic, first_name="Ana", last_name="Ruiz", mrn="A-1001", phone="+15125550123"
    )
    enrollment = enroll(
        patient=patient,
        physician=bob,
        procedure="VA",
        performed_on=timezone.localdate() - dt.timedelta(days=21),
    )
    enrollment.baseline_pain = 8
    enrollment.save(update_fields=["baseline_pain"])
    checks = list(enrollment.checkpoints.order_by("target_date"))
    first, second = checks[0], checks[1]
    first.status = CheckpointStatus.COMPLETED
    first.status_reason = ""
    first.channel = "sms"
    first.save()
    second.status = CheckpointStatus.OPEN
    second.status_reason = "deferred: quiet hours"
    second.save()
    checks[2].status_reason = "deferred: message limit"
    checks[2].save()
    Answer.objects.create(
        checkpoint=first,
        question_code="PAIN_NOW",
        instrument="nrs",
        raw_text="sevn i guess",
        value=7,
        answered_at=now - dt.timedelta(days=18),
    )
    Answer.objects.create(
        checkpoint=first,
        question_code="MEDS",
        instrument="choice",
        raw_text="??",
        value=None,
        status="unanswered",
        attempts=2,
        answered_at=now - dt.timedelta(days=18),
    )
    Score.objects.create(
        checkpoint=first, kind=Score.Kind.NRS_NOW, value=Decimal("7"), computed_at=now
    )
    Score.objects.create(
        checkpoint=second, kind=Score.Kind.NRS_NOW, value=Decimal("4"), computed_at=now
    )
    OutboundMessage.objects.create(
        idempotency_key="t-1",
        channel="sms",
        to=patient.phone,
        body="Austin Spine: how is your pain today?",
        purpose="question",
        status="delivered",
        patient=patient,
        checkpoint=first,
    )
    OutboundMessage.objects.create(
        idempotency_key="t-2",
        channel="sms",
        to=patient.phone,
        body="Reminder",
        purpose="reminder",
        status="undelivered",
        error_code="30005",
        patient=patient,
        checkpoint=second,
    )
    InboundMessage.objects.create(
        message_sid="SM" + "1" * 32,
        from_number=patient.phone,
        body="cant breathe well since last night",
        patient=patient,
        status="processed",
        kind="free_text",
    )
    escalation = raise_flag(
        patient, bob, tier="EMERGENCY", evidence="cant breathe well since last night"
    )
    timeline_add(
        patient=patient,
        escalation=escalation,
        kind="note",
        summary="Note by alice",
        data={"note": "Line busy, retrying."},
    )
    return {"patient": patient, "enrollment": enrollment, "escalation": escalation}


def test_it_shows_each_check_with_its_status_and_why(alice, story):
    html = signed_in(alice).get(f"/patients/{story['patient'].pk}/").content.decode()

    assert "Completed" in html and "Open" in html and "Scheduled" in html
    assert "deferred: quiet hours" in html
    assert "deferred: message limit" in html
    assert "protocol v1" in html


def test_a_check_enrolled_too_late_says_it_was_skipped_and_why(clinic, alice, bob):
    patient = PatientFactory(clinic=clinic)
    enroll(
        patient=patient,
        physician=bob,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=60),
    )

    html = signed_in(alice).get(f"/patients/{patient.pk}/").content.decode()

    assert "Skipped" in html and "enrolled late: window closed" in html


def test_it_shows_answers_with_the_patients_raw_text_and_parsed_value(alice, story):
    html = signed_in(alice).get(f"/patients/{story['patient'].pk}/").content.decode()

    assert "sevn i guess" in html and "<strong>7 / 10</strong>" in html
    assert "unanswered after 2 tries" in html


def test_it_shows_messages_in_and_out_with_delivery_status(alice, story):
    html = signed_in(alice).get(f"/patients/{story['patient'].pk}/").content.decode()

    assert "how is your pain today?" in html and "Delivered" in html
    assert "Undelivered (error 30005)" in html
    assert "cant breathe well since last night" in html and "SMS from patient" in html


def test_it_shows_a_score_trend_against_baseline(alice, story):
    response = signed_in(alice).get(f"/patients/{story['patient'].pk}/")
    html = response.content.decode()

    trend = response.context["timeline"].enrollments[0].trends[0]
    assert trend.baseline == 8 and [v for _, v in trend.points] == [7, 4]
    assert "Pain now (0-10): baseline 8, 7 → 4" in html  # the text alternative of the chart
    assert "<polyline points=" in html


def test_the_call_back_panel_has_the_phone_the_script_and_the_steps(alice, story):
    escalation = story["escalation"]

    html = signed_in(alice).get(f"/patients/{story['patient'].pk}/").content.decode()

    assert 'href="tel:+15125550123"' in html
    assert f'id="escalation-{escalation.pk}"' in html
    assert "Call-back script" in html and "Austin Spine" in html
    assert "Are you short of breath or having chest pain right now" in html  # the rule's questions
    assert "Call 911" in html  # emergency frame
    assert f"EMERGENCY escalation {escalation.code} opened" in html  # escalation steps, with times
    assert "Paged " in html
    assert "Line busy, retrying." in html  # notes
    assert "Acknowledge" in html and "Resolve" in html


def test_resolved_flags_keep_their_outcome_and_note(alice, story):
    escalation = story["escalation"]
    client = signed_in(alice)
    client.post(
        f"/escalations/{escalation.pk}/resolve/",
        {"outcome": "reached_ed", "note": "Advised ED, patient agreed."},
    )

    html = client.get(f"/patients/{story['patient'].pk}/").content.decode()

    assert "Resolved flags (1)" in html
    assert "Reached patient - advised emergency department" in html
    assert "Advised ED, patient agreed." in html


def test_opening_a_patient_is_audited(alice, story):
    signed_in(alice).get(f"/patients/{story['patient'].pk}/", REMOTE_ADDR="10.1.2.3")

    event = AuditEvent.objects.filter(action="view", object_type="patient").latest("id")
    assert event.patient_id == story["patient"].pk
    assert event.clinic_id == story["patient"].clinic_id
    assert event.username == "alice" and event.ip == "10.1.2.3"
    assert event.path == f"/patients/{story['patient'].pk}/"


def test_a_patient_without_enrollments_or_flags_still_opens(clinic, alice):
    patient = PatientFactory(clinic=clinic, phone="")

    html = signed_in(alice).get(f"/patients/{patient.pk}/").content.decode()

    assert "Not enrolled in follow-up." in html and "No open flags" in html


def test_an_opted_out_or_unreachable_patient_is_marked(clinic, alice):
    patient = PatientFactory(
        clinic=clinic,
        opted_out_at=timezone.now(),
        phone_invalid_at=timezone.now(),
        phone_invalid_reason="Twilio 21211",
    )

    html = signed_in(alice).get(f"/patients/{patient.pk}/").content.decode()

    assert "Opted out of texts" in html and "Unreachable: Twilio 21211" in html


def test_patient_search_finds_only_the_users_clinic(clinic, other_clinic, alice):
    mine = PatientFactory(clinic=clinic, last_name="Quintero", mrn="Q-1")
    PatientFactory(clinic=other_clinic, last_name="Quintero", mrn="Q-2")

    response = signed_in(alice).get("/patients/?q=quin")

    assert [p.pk for p in response.context["results"]] == [mine.pk]
    event = AuditEvent.objects.get(object_type="patient_search")
    assert event.detail == {"patients": [mine.pk]}
    assert "quin" not in event.path + str(event.detail)  # the query itself may be a name
