"""Worklists: who to phone, and what came of each call."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from followup.models import Answer, CheckpointStatus, EnrollmentStatus, TimelineEvent, WorklistCall
from patients.models import AuditEvent

from ..factories import PatientFactory, enroll
from .test_triage_queue import messages_of, signed_in

pytestmark = pytest.mark.django_db


def enrolled(clinic, physician, **patient_fields):
    patient = PatientFactory(clinic=clinic, **patient_fields)
    enrollment = enroll(
        patient=patient,
        physician=physician,
        procedure="ESI",
        performed_on=timezone.localdate() - dt.timedelta(days=20),
    )
    return patient, enrollment


def keys(response) -> list[str]:
    return [item.key for item in response.context["items"]]


def test_a_missed_check_is_listed_until_someone_reaches_the_patient(clinic, alice, bob):
    patient, enrollment = enrolled(clinic, bob, last_name="Ruiz")
    check = enrollment.checkpoints.first()
    check.status, check.status_reason, check.closed_at = (
        CheckpointStatus.MISSED,
        "window closed unanswered",
        timezone.now(),
    )
    check.save()
    client = signed_in(alice)
    key = f"checkpoint:{check.pk}"

    page = client.get("/worklists/missed/")
    assert keys(page) == [key]
    assert "window closed unanswered" in page.content.decode()

    client.post("/worklists/missed/call/", {"item": key, "outcome": "called", "note": "no answer"})
    client.post("/worklists/missed/call/", {"item": key, "outcome": "left_message"})
    page = client.get("/worklists/missed/")
    assert keys(page) == [key]
    assert [c.outcome for c in page.context["items"][0].calls] == ["left_message", "called"]
    assert "Last: <strong>Left message</strong>" in page.content.decode()

    client.post("/worklists/missed/call/", {"item": key, "outcome": "reached"})
    assert keys(client.get("/worklists/missed/")) == []
    assert keys(client.get("/worklists/missed/?done=1")) == [key]


def test_unreachable_lists_rejected_numbers_and_checks_that_reach_nobody(clinic, alice, bob):
    rejected, _ = enrolled(
        clinic, bob, phone_invalid_at=timezone.now(), phone_invalid_reason="Twilio 21211"
    )
    nobody, enrollment = enrolled(clinic, bob)
    check = enrollment.checkpoints.first()
    check.status, check.status_reason, check.opened_at = (
        CheckpointStatus.OPEN,
        "unreachable: no working phone or email",
        timezone.now(),
    )
    check.save()
    enrolled(clinic, bob)  # reachable: not listed

    response = signed_in(alice).get("/worklists/unreachable/")

    assert {item.patient.pk for item in response.context["items"]} == {rejected.pk, nobody.pk}
    html = response.content.decode()
    assert (
        "phone not usable (Twilio 21211)" in html
        and "unreachable: no working phone or email" in html
    )


def test_opted_out_lists_patients_still_in_follow_up(clinic, alice, bob):
    opted, _ = enrolled(clinic, bob, opted_out_at=timezone.now(), opt_out_source="STOP")
    withdrawn, enrollment = enrolled(clinic, bob, opted_out_at=timezone.now())
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.save()

    response = signed_in(alice).get("/worklists/opted_out/")

    assert [item.patient.pk for item in response.context["items"]] == [opted.pk]
    assert "opted out of texts (STOP)" in response.content.decode()


def test_unanswered_lists_questions_that_failed_twice(clinic, alice, bob):
    patient, enrollment = enrolled(clinic, bob)
    check = enrollment.checkpoints.first()
    answer = Answer.objects.create(
        checkpoint=check,
        question_code="PAIN_NOW",
        instrument="nrs",
        raw_text="bad-ish",
        status="unanswered",
        attempts=2,
        answered_at=timezone.now(),
    )
    Answer.objects.create(
        checkpoint=check,
        question_code="MEDS",
        instrument="choice",
        raw_text="1",
        value=1,
        answered_at=timezone.now(),
    )

    response = signed_in(alice).get("/worklists/unanswered/")

    assert keys(response) == [f"answer:{answer.pk}"]
    assert "bad-ish" in response.content.decode()


def test_a_call_is_recorded_on_the_timeline_and_in_the_audit_log(clinic, alice, bob):
    patient, _ = enrolled(clinic, bob, opted_out_at=timezone.now())
    item = signed_in(alice).get("/worklists/opted_out/").context["items"][0]

    signed_in(alice).post(
        "/worklists/opted_out/call/",
        {"item": item.key, "outcome": "reached", "note": "Prefers email"},
    )

    call = WorklistCall.objects.get()
    assert (call.patient, call.called_by, call.outcome, call.note) == (
        patient,
        alice,
        "reached",
        "Prefers email",
    )
    event = TimelineEvent.objects.get(kind="worklist_call")
    assert event.patient == patient and event.actor == alice and "Reached" in event.summary
    audit = AuditEvent.objects.get(action="call")
    assert audit.patient_id == patient.pk and audit.detail["outcome"] == "reached"


@pytest.mark.parametrize("outcome", ["", "emailed", "REACHED"])
def test_an_unknown_outcome_is_refused(clinic, alice, bob, outcome):
    patient, _ = enrolled(clinic, bob, opted_out_at=timezone.now())
    item = signed_in(alice).get("/worklists/opted_out/").context["items"][0]

    response = signed_in(alice).post(
        "/worklists/opted_out/call/", {"item": item.key, "outcome": outcome}
    )

    assert response.status_code == 302
    assert any("Choose the call's outcome" in m for m in messages_of(response))
    assert WorklistCall.objects.count() == 0


def test_an_unknown_item_or_worklist_is_404(alice):
    client = signed_in(alice)

    assert (
        client.post(
            "/worklists/missed/call/", {"item": "checkpoint:999", "outcome": "called"}
        ).status_code
        == 404
    )
    assert client.get("/worklists/birthdays/").status_code == 404
    assert (
        client.post("/worklists/birthdays/call/", {"item": "x", "outcome": "called"}).status_code
        == 404
    )


def test_the_export_is_a_csv_of_the_list_and_is_audited(clinic, alice, bob):
    patient, _ = enrolled(
        clinic, bob, opted_out_at=timezone.now(), first_name="=HYPERLINK(1)", last_name="Ruiz"
    )

    response = signed_in(alice).get("/worklists/opted_out/export.csv")

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["patient_id", "mrn", "name", "phone"]
    assert rows[1][0] == str(patient.pk) and rows[1][1] == patient.mrn
    assert rows[1][2].startswith("'=HYPERLINK")  # a spreadsheet must not run it as a formula
    assert rows[1][3] == patient.phone and patient.phone.startswith("+")  # numbers stay as they are
    audit = AuditEvent.objects.get(action="export", object_type="worklist")
    assert audit.detail["patients"] == [patient.pk] and audit.detail["rows"] == 1


def test_the_tabs_count_open_items(clinic, alice, bob):
    enrolled(clinic, bob, opted_out_at=timezone.now())

    response = signed_in(alice).get("/worklists/missed/")

    assert dict((v, n) for v, _, n in response.context["tabs"]) == {
        "missed": 0,
        "unreachable": 0,
        "opted_out": 1,
        "unanswered": 0,
    }
