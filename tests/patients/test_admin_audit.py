"""Issue 20.7: PHI reads and changes in the admin, through the API and by re-enrolling an MRN,
and the outcomes patient list, are audited with their patient ids."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.models import Answer
from patients.models import AuditEvent, Patient

from ..conftest import token_client
from ..factories import PatientFactory, enroll

pytestmark = pytest.mark.django_db

ADMIN = "/admin"


def _last(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).latest("id")


def test_the_admin_patient_list_is_audited_with_every_patient_shown(admin_client, clinic):
    patients = [PatientFactory(clinic=clinic, mrn=f"AD-{n}") for n in range(3)]

    response = admin_client.get(f"{ADMIN}/patients/patient/")

    assert response.status_code == 200
    event = _last(action="view", object_type="patient")
    assert event.detail["patient_ids"] == sorted(p.pk for p in patients)
    assert event.detail["page"] == "changelist" and event.username == "admin"


def test_the_admin_change_page_and_a_save_are_audited(admin_client, clinic):
    patient = PatientFactory(clinic=clinic, mrn="AD-9", phone="+15125550140")
    url = f"{ADMIN}/patients/patient/{patient.pk}/change/"

    page = admin_client.get(url)

    assert page.status_code == 200
    viewed = _last(action="view", object_type="patient")
    assert viewed.patient_id == patient.pk and viewed.detail["page"] == "change"

    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k in form.fields}
    data.update({"phone": "+15125550141", "clinic": clinic.pk})
    data = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    saved = admin_client.post(url, data)

    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else ""
    assert Patient.objects.get(pk=patient.pk).phone == "+15125550141"
    changed = _last(action="change", object_type="patient")
    assert changed.patient_id == patient.pk and "phone" in changed.detail["fields"]
    assert "+15125550141" not in str(changed.detail)


def test_rows_that_reach_the_patient_through_others_are_resolved_in_one_query(
    admin_client, clinic, bob, django_assert_max_num_queries
):
    patients = []
    for n in range(4):
        patient = PatientFactory(clinic=clinic, mrn=f"AN-{n}", phone=f"+1512555016{n}")
        checkpoint = enroll(
            patient=patient, physician=bob, performed_on=dt.date.today() - dt.timedelta(days=3)
        ).checkpoints.first()
        Answer.objects.create(
            checkpoint=checkpoint,
            question_code="pain_now",
            instrument="nrs",
            raw_text="5",
            value=5,
            answered_at=timezone.now(),
        )
        patients.append(patient)

    with django_assert_max_num_queries(20):
        assert admin_client.get(f"{ADMIN}/followup/answer/").status_code == 200

    event = _last(action="view", object_type="answer")
    assert event.detail["patient_ids"] == sorted(p.pk for p in patients)


def test_re_enrolling_an_mrn_with_new_contact_details_is_audited(alice, bob, clinic):
    patient = PatientFactory(clinic=clinic, mrn="RE-1", phone="+15125550150")
    api = token_client(alice)
    body = {
        "patient": {
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
            "mrn": "RE-1",
            "phone": "+15125550151",
            "time_zone": patient.time_zone,
        },
        "procedure": "ESI",
        "performed_on": (dt.date.today() - dt.timedelta(days=2)).isoformat(),
        "clinic": clinic.slug,
        "physician": "bob",
    }

    assert api.post("/api/v1/enrollments/", body, format="json").status_code == 201

    event = _last(action="change", patient_id=patient.pk)
    assert event.username == "alice" and event.detail == {"fields": ["phone"], "via": "mrn"}
    assert "+15125550151" not in str(event.detail)


def test_re_enrolling_with_the_same_details_records_no_change(alice, bob, clinic):
    patient = PatientFactory(clinic=clinic, mrn="RE-2")
    from patients.services import patient_upsert

    patient_upsert(clinic=clinic, mrn="RE-2", data={"phone": patient.phone}, changed_by=alice)

    assert not AuditEvent.objects.filter(action="change").exists()


def test_the_outcomes_patient_list_is_audited_with_its_patients(client, bob, clinic):
    enrollments = [
        enroll(
            patient=PatientFactory(clinic=clinic, mrn=f"OL-{n}", phone=f"+1512555017{n}"),
            physician=bob,
            performed_on=dt.date.today() - dt.timedelta(days=10),
        )
        for n in range(3)
    ]
    client.force_login(bob)

    assert client.get("/outcomes/patients/").status_code == 200

    event = _last(action="view", detail__page="outcomes_patients")
    assert event.detail["patient_ids"] == sorted(e.patient_id for e in enrollments)
    assert event.username == "bob"
