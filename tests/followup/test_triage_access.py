"""Who reaches what: alice (nurse of the clinic), bob (physician of the clinic), charlie (nurse of
another clinic). Another clinic's record is a 404; a record the role may not touch is a 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from followup.models import CheckpointStatus, EscalationStatus, TimelineEvent, WorklistCall
from patients.models import AuditEvent, Role

from ..factories import MembershipFactory, PatientFactory, UserFactory
from .test_triage_queue import raise_flag, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(clinic, alice, bob, charlie):
    patient = PatientFactory(clinic=clinic, last_name="Ruiz", mrn="A-1001")
    escalation = raise_flag(patient, bob)
    missed = patient.enrollments.get().checkpoints.first()
    missed.status = CheckpointStatus.MISSED
    missed.save()
    return {"patient": patient, "escalation": escalation, "missed": missed}


@pytest.fixture
def ada(clinic):
    """A clinic admin of the clinic."""
    return MembershipFactory(
        user=UserFactory(username="ada"), clinic=clinic, role=Role.CLINIC_ADMIN
    ).user


PAGES = [
    # (url template, alice, bob, charlie)
    ("/patients/{patient}/", 200, 200, 404),
    ("/t/e/{escalation}/", 302, 302, 404),
    ("/queue/", 200, 200, 200),
    ("/queue/rows/", 200, 200, 200),
    ("/patients/?q=Ruiz", 200, 200, 200),
    ("/worklists/missed/", 200, 200, 200),
    ("/worklists/missed/export.csv", 200, 200, 200),
    ("/enroll/", 200, 200, 200),
    ("/enroll/preview/?procedure=ESI", 200, 200, 200),
    ("/audit/", 403, 403, 403),
    ("/audit/export.csv", 403, 403, 403),
]


@pytest.mark.parametrize(("url", "for_alice", "for_bob", "for_charlie"), PAGES)
def test_each_page_answers_each_person_by_clinic_and_role(
    world, alice, bob, charlie, url, for_alice, for_bob, for_charlie
):
    url = url.format(patient=world["patient"].pk, escalation=world["escalation"].pk)

    assert signed_in(alice).get(url).status_code == for_alice
    assert signed_in(bob).get(url).status_code == for_bob
    assert signed_in(charlie).get(url).status_code == for_charlie


@pytest.mark.parametrize("url", [p[0] for p in PAGES] + ["/worklists/", "/accounts/two-factor/"])
def test_every_page_needs_a_signed_in_user(world, client, url):
    url = url.format(patient=world["patient"].pk, escalation=world["escalation"].pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_signed_in_user_without_any_clinic_gets_403(world):
    stranger = UserFactory(username="stranger")

    assert signed_in(stranger).get("/queue/").status_code == 403
    assert signed_in(stranger).get(f"/patients/{world['patient'].pk}/").status_code == 403


def test_the_other_clinics_data_never_shows_in_lists_or_exports(world, charlie):
    client = signed_in(charlie)

    for url in ("/queue/", "/queue/rows/", "/worklists/missed/", "/worklists/missed/export.csv"):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"A-1001" not in body and b"Ruiz" not in body, url
    assert client.get("/patients/?q=Ruiz").context["results"] == []


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("acknowledge", {}),
        ("assign", {}),
        ("note", {"note": "hello"}),
        ("resolve", {"outcome": "not_clinical", "note": "fine"}),
    ],
)
def test_a_nurse_of_another_clinic_cannot_act_on_the_flag(world, charlie, action, data):
    escalation = world["escalation"]

    response = signed_in(charlie).post(f"/escalations/{escalation.pk}/{action}/", data)

    assert response.status_code == 404
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN and escalation.owner is None
    assert not TimelineEvent.objects.filter(kind="note").exists()
    denied = AuditEvent.objects.get(action="denied")
    assert (
        denied.username == "charlie"
        and denied.object_id == str(escalation.pk)
        and denied.status_code == 404
    )


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("acknowledge", {}),
        ("assign", {}),
        ("note", {"note": "hello"}),
        ("resolve", {"outcome": "not_clinical", "note": "fine"}),
    ],
)
def test_a_physician_of_the_clinic_may_act_on_the_flag(world, bob, action, data):
    response = signed_in(bob).post(f"/escalations/{world['escalation'].pk}/{action}/", data)

    assert response.status_code == 302


def test_recording_calls_is_for_nurses_and_admins_not_physicians(world, alice, bob, charlie, ada):
    item = f"checkpoint:{world['missed'].pk}"

    assert (
        signed_in(bob)
        .post("/worklists/missed/call/", {"item": item, "outcome": "called"})
        .status_code
        == 403
    )
    assert (
        signed_in(charlie)
        .post("/worklists/missed/call/", {"item": item, "outcome": "called"})
        .status_code
        == 404
    )
    assert WorklistCall.objects.count() == 0
    assert (
        signed_in(alice)
        .post("/worklists/missed/call/", {"item": item, "outcome": "called"})
        .status_code
        == 302
    )
    assert (
        signed_in(ada)
        .post("/worklists/missed/call/", {"item": item, "outcome": "reached"})
        .status_code
        == 302
    )
    assert WorklistCall.objects.count() == 2


def test_an_inactive_membership_loses_access(world, clinic, alice):
    alice.memberships.update(is_active=False)

    assert signed_in(alice).get(f"/patients/{world['patient'].pk}/").status_code == 403


def test_a_nurse_in_two_clinics_sees_both(world, other_clinic, alice, dora):
    MembershipFactory(user=alice, clinic=other_clinic, role=Role.TRIAGE_NURSE)
    theirs = raise_flag(PatientFactory(clinic=other_clinic), dora, tier="URGENT")

    rows = signed_in(alice).get("/queue/").context["rows"]

    assert {r.escalation.pk for r in rows} == {world["escalation"].pk, theirs.pk}


def test_a_patient_id_that_does_not_exist_is_the_same_404(world, alice):
    other = signed_in(alice).get("/patients/999999/")

    assert other.status_code == 404


def test_enrolling_into_another_clinic_is_refused_like_a_missing_clinic(
    world, charlie, clinic, bob
):
    before = world["patient"].enrollments.count()
    response = signed_in(charlie).post(
        "/enroll/",
        {
            "clinic": clinic.slug,
            "procedure": "ESI",
            "physician": "bob",
            "performed_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
            "patient.first_name": "Eve",
            "patient.last_name": "Mallory",
            "patient.date_of_birth": "1970-01-01",
            "patient.mrn": "A-1001",
            "patient.phone": "+15125550199",
            "patient.time_zone": "America/Chicago",
            "patient.language": "en",
            "patient.preferred_channel": "sms",
        },
    )

    assert response.status_code == 404
    assert "Clinic not found." in response.content.decode()
    assert world["patient"].enrollments.count() == before


def test_physicians_and_nurses_can_enroll_but_only_admins_read_the_audit_log(world, ada):
    assert signed_in(ada).get("/audit/").status_code == 200
    assert signed_in(ada).get("/audit/export.csv").status_code == 200


def test_the_api_stays_scoped_too(world, charlie):
    from ..conftest import token_client

    response = token_client(charlie).get(f"/api/v1/escalations/{world['escalation'].pk}/")

    assert response.status_code == 404


def test_a_superuser_without_membership_sees_everything(world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    assert signed_in(root).get(f"/patients/{world['patient'].pk}/").status_code == 200


def test_client_has_no_access_after_sign_out(world, alice):
    client = Client()
    client.force_login(alice)
    client.post("/accounts/logout/")

    assert client.get(f"/patients/{world['patient'].pk}/").status_code == 302
