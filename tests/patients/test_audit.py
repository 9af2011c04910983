"""The audit log: append-only, written for views, actions, API calls and sign-ins, readable and
exportable by clinic admins only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from patients.audit import audit_record, client_ip
from patients.models import AuditEvent, Role

from ..conftest import token_client
from ..factories import MembershipFactory, PatientFactory, UserFactory, enroll
from ..followup.test_triage_queue import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(clinic):
    """A clinic admin of the clinic."""
    return MembershipFactory(
        user=UserFactory(username="ada"), clinic=clinic, role=Role.CLINIC_ADMIN
    ).user


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic)


# --- append-only ----------------------------------------------------------------------------------
def test_an_event_cannot_be_changed_or_deleted_through_the_app(alice, patient):
    event = audit_record(action="view", user=alice, patient=patient)

    event.action = "export"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="export")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


@pytest.mark.parametrize(
    "sql", ["UPDATE patients_auditevent SET action = 'export'", "DELETE FROM patients_auditevent"]
)
def test_the_database_refuses_to_rewrite_the_log(alice, patient, sql):
    event = audit_record(action="view", user=alice, patient=patient)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).action == "view"


def test_deleting_a_patient_or_user_keeps_their_audit_rows(clinic):
    user = UserFactory(username="temp")
    patient = PatientFactory(clinic=clinic)
    event = audit_record(action="view", user=user, patient=patient)

    patient.delete()
    user.delete()

    kept = AuditEvent.objects.get(pk=event.pk)
    assert (
        kept.patient_id == event.patient_id
        and kept.user_id == event.user_id
        and kept.username == "temp"
    )


# --- addresses ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hops", "remote", "forwarded", "expected"),
    [
        (
            0,
            "10.0.0.5",
            "6.6.6.6",
            "10.0.0.5",
        ),  # no proxy trusted: a client cannot pick its address
        (1, "10.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the one our proxy added
        (2, "10.0.0.1", "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "10.0.0.1", "", "10.0.0.1"),
        (0, "not-an-ip", "", None),
        (1, "10.0.0.1", "garbage", None),
    ],
)
def test_it_records_the_client_address_trusting_only_configured_proxies(
    settings, hops, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


# --- API calls ------------------------------------------------------------------------------------
def test_api_reads_are_recorded_with_their_patient(clinic, alice, bob, patient):
    enrollment = enroll(
        patient=patient, physician=bob, performed_on=timezone.localdate() - dt.timedelta(days=2)
    )

    response = token_client(alice).get(
        f"/api/v1/enrollments/{enrollment.pk}/?q=Ruiz", REMOTE_ADDR="192.0.2.7"
    )

    assert response.status_code == 200
    event = AuditEvent.objects.get(action="api")
    assert (event.username, event.patient_id, event.clinic_id) == ("alice", patient.pk, clinic.pk)
    assert (event.object_type, event.object_id, event.status_code) == (
        "enrollment",
        str(enrollment.pk),
        200,
    )
    assert event.path == f"/api/v1/enrollments/{enrollment.pk}/" and event.ip == "192.0.2.7"
    assert "Ruiz" not in event.path  # the query string is not kept


def test_api_creates_are_recorded_with_the_new_record(clinic, alice, bob):
    body = {
        "patient": {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "date_of_birth": "1961-04-02",
            "mrn": "A-9",
            "phone": "+15125550100",
        },
        "procedure": "ESI",
        "performed_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        "clinic": clinic.slug,
        "physician": "bob",
    }

    response = token_client(alice).post("/api/v1/enrollments/", body, format="json")

    assert response.status_code == 201
    event = AuditEvent.objects.get(action="api")
    assert event.method == "POST" and event.object_id == str(response.json()["id"])
    assert event.patient_id == response.json()["patient"]["id"]


def test_unauthenticated_api_calls_are_not_attributed(client):
    client.get("/api/v1/enrollments/")

    assert not AuditEvent.objects.filter(action="api").exists()


# --- sign-in --------------------------------------------------------------------------------------
def test_sign_in_sign_out_and_failures_are_recorded_without_the_password(client, alice):
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": "wrong-password"},
        REMOTE_ADDR="198.51.100.4",
    )
    client.post(
        "/accounts/login/",
        {"username": "alice", "password": "pw-for-tests-1"},
        REMOTE_ADDR="198.51.100.4",
    )
    client.post("/accounts/logout/", REMOTE_ADDR="198.51.100.4")

    events = list(AuditEvent.objects.order_by("id").values_list("action", "username", "ip"))
    assert events == [
        ("login_failed", "alice", "198.51.100.4"),
        ("login", "alice", "198.51.100.4"),
        ("logout", "alice", "198.51.100.4"),
    ]
    assert all("wrong-password" not in str(e.detail) for e in AuditEvent.objects.all())


# --- browsing and export --------------------------------------------------------------------------
def test_a_clinic_admin_sees_their_clinics_events_and_not_others(
    clinic, other_clinic, alice, charlie, ada, patient
):
    mine = audit_record(action="view", user=alice, patient=patient)
    theirs = audit_record(action="view", user=charlie, patient=PatientFactory(clinic=other_clinic))
    login_mine = audit_record(action="login", user=alice)
    login_theirs = audit_record(action="login", user=charlie)

    page = signed_in(ada).get("/audit/")

    shown = {e.pk for e in page.context["page"]}
    assert {mine.pk, login_mine.pk} <= shown
    assert theirs.pk not in shown and login_theirs.pk not in shown


def test_the_audit_log_filters(clinic, alice, bob, ada, patient):
    other = PatientFactory(clinic=clinic)
    wanted = audit_record(action="view", user=alice, patient=patient)
    audit_record(action="view", user=bob, patient=patient)
    audit_record(action="resolve", user=alice, patient=patient)
    audit_record(action="view", user=alice, patient=other)

    today = timezone.localdate(timezone=ZoneInfo(clinic.time_zone))  # the page reads dates there
    page = signed_in(ada).get(f"/audit/?action=view&user=ALICE&patient={patient.pk}&since={today}")

    assert [e.pk for e in page.context["page"]] == [wanted.pk]


def test_bad_filters_are_ignored(ada):
    response = signed_in(ada).get("/audit/?action=hack&patient=abc&since=yesterday&page=-4")

    assert response.status_code == 200


def test_the_export_is_csv_includes_itself_and_defuses_formulas(clinic, ada, patient):
    evil = UserFactory(username="=cmd|' /C calc'!A0")
    MembershipFactory(user=evil, clinic=clinic, role=Role.TRIAGE_NURSE)
    audit_record(action="view", user=evil, patient=patient)

    response = signed_in(ada).get("/audit/export.csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["at", "username", "action"]
    by_action = {r[2]: r for r in rows[1:]}
    assert by_action["view"][1].startswith("'=cmd")
    assert by_action["export"][1] == "ada"  # the export is in the export


def test_the_audit_pages_are_for_clinic_admins_only(alice, bob, charlie, ada):
    for user in (alice, bob, charlie):
        assert signed_in(user).get("/audit/").status_code == 403
        assert signed_in(user).get("/audit/export.csv").status_code == 403
    assert signed_in(ada).get("/audit/").status_code == 200


def test_nothing_about_patients_goes_to_the_application_log(caplog, clinic, alice, bob):
    patient = PatientFactory(
        clinic=clinic, first_name="Zebulon", last_name="Quarrington", mrn="MRN-SECRET"
    )
    from ..followup.test_triage_queue import raise_flag

    escalation = raise_flag(patient, bob)
    client = signed_in(alice)
    with caplog.at_level("DEBUG"):
        client.get(f"/patients/{patient.pk}/")
        client.post(
            f"/escalations/{escalation.pk}/resolve/",
            {"outcome": "reached_ed", "note": "Zebulon to ED"},
        )
        client.get("/patients/?q=Quarrington")

    assert (
        "Zebulon" not in caplog.text
        and "Quarrington" not in caplog.text
        and "MRN-SECRET" not in caplog.text
    )
