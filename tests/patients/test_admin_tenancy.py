"""The patients admin is scoped on writes, not only reads (issue 20.1).

The people: alice is the clinic admin of clinic A (Austin), nina a nurse of A with admin access,
bob the clinic admin of clinic B (Boston), root a superuser. Every form is POSTed as an attacker
would, with another clinic's ids in every field.
"""

from __future__ import annotations

import pytest
from django.test import Client

from patients.admin_scope import SCOPE_PATHS, UNSCOPED_MODELS, ClinicScopedAdmin
from patients.models import AuditEvent, Clinic, ClinicMembership, Patient, Role
from patients.permissions import user_sync_groups
from tests.admin_people import as_, member, superuser
from tests.factories import MembershipFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(clinic):
    return member("alice", clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def nina(clinic):
    return member("nina", clinic, Role.TRIAGE_NURSE)


@pytest.fixture
def bob(other_clinic):
    return member("bob", other_clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def root(db):
    return superuser()


def membership_form(user, clinic, role=Role.TRIAGE_NURSE, **extra) -> dict:
    return {
        "user": user.pk,
        "clinic": clinic.pk,
        "role": role,
        "page_phone": "+15125559999",
        "page_email": "",
        "is_active": "on",
        **extra,
    }


# --- memberships ----------------------------------------------------------------------------------
def test_alice_cannot_make_herself_clinic_admin_of_clinic_b(alice, bob, other_clinic):
    response = as_(alice).post(
        "/admin/patients/clinicmembership/add/",
        membership_form(alice, other_clinic, Role.CLINIC_ADMIN),
    )

    assert response.status_code == 200  # the form again, with its errors
    assert not ClinicMembership.objects.filter(user=alice, clinic=other_clinic).exists()
    errors = response.context["adminform"].form.errors
    assert {"user", "clinic", "role"} <= set(errors)


def test_alice_cannot_grant_clinic_admin_in_her_own_clinic(alice, clinic, other_clinic):
    # Someone alice may choose (a member of her clinic) who is not yet in clinic A... does not
    # exist; so the attempt is to turn nina into a clinic admin by changing her membership.
    nina = member("nina", clinic, Role.TRIAGE_NURSE)
    membership = ClinicMembership.objects.get(user=nina)

    response = as_(alice).post(
        f"/admin/patients/clinicmembership/{membership.pk}/change/",
        membership_form(nina, clinic, Role.CLINIC_ADMIN),
    )

    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    membership.refresh_from_db()
    assert membership.role == Role.TRIAGE_NURSE


def test_alice_cannot_change_or_delete_her_own_membership(alice, clinic):
    own = ClinicMembership.objects.get(user=alice)
    client = as_(alice)

    changed = client.post(
        f"/admin/patients/clinicmembership/{own.pk}/change/",
        membership_form(alice, clinic, Role.CLINIC_ADMIN, page_phone="+15125550001"),
    )
    deleted = client.post(f"/admin/patients/clinicmembership/{own.pk}/delete/", {"post": "yes"})

    assert changed.status_code == 403 and deleted.status_code == 403
    own.refresh_from_db()
    assert own.page_phone != "+15125550001"


def test_alice_cannot_reach_clinic_b_memberships(alice, bob):
    theirs = ClinicMembership.objects.get(user=bob)
    client = as_(alice)

    listing = client.get("/admin/patients/clinicmembership/")
    changed = client.post(
        f"/admin/patients/clinicmembership/{theirs.pk}/change/",
        membership_form(bob, theirs.clinic, Role.TRIAGE_NURSE),
    )

    assert b"bob" not in listing.content
    assert changed.status_code == 302 and changed.url == "/admin/"  # "does not exist"
    theirs.refresh_from_db()
    assert theirs.role == Role.CLINIC_ADMIN


def test_alice_cannot_add_a_clinic_b_user_to_clinic_a(alice, bob, clinic):
    charlie = member("charlie", bob.memberships.get().clinic, Role.TRIAGE_NURSE)

    response = as_(alice).post(
        "/admin/patients/clinicmembership/add/", membership_form(charlie, clinic)
    )

    assert "user" in response.context["adminform"].form.errors
    assert not ClinicMembership.objects.filter(user=charlie, clinic=clinic).exists()


def test_alice_changes_a_nurse_of_her_clinic_and_it_is_audited(alice, nina, clinic):
    membership = ClinicMembership.objects.get(user=nina)

    response = as_(alice).post(
        f"/admin/patients/clinicmembership/{membership.pk}/change/",
        membership_form(nina, clinic, Role.PHYSICIAN),
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.PHYSICIAN
    event = AuditEvent.objects.get(object_type="clinicmembership", object_id=str(membership.pk))
    assert (event.username, event.action, event.clinic_id) == ("alice", "assign", clinic.pk)
    assert event.detail["role"] == "physician" and event.detail["previous_role"] == "triage_nurse"


def test_a_superuser_may_grant_clinic_admin(root, nina, other_clinic):
    response = as_(root).post(
        "/admin/patients/clinicmembership/add/",
        membership_form(nina, other_clinic, Role.CLINIC_ADMIN),
    )

    assert response.status_code == 302
    assert ClinicMembership.objects.get(user=nina, clinic=other_clinic).role == Role.CLINIC_ADMIN


def test_a_nurse_with_admin_access_sees_no_memberships(nina):
    assert as_(nina).get("/admin/patients/clinicmembership/").status_code == 403


def test_a_clinic_admin_of_a_who_is_a_nurse_of_b_configures_a_only(alice, bob, other_clinic):
    MembershipFactory(user=alice, clinic=other_clinic, role=Role.TRIAGE_NURSE)
    user_sync_groups(user=alice)

    listing = as_(alice).get("/admin/patients/clinicmembership/")

    assert b"bob" not in listing.content


# --- clinics ----------------------------------------------------------------------------------------
def clinic_form(clinic: Clinic, **extra) -> dict:
    return {
        "slug": clinic.slug,
        "name": clinic.name,
        "phone": clinic.phone,
        "time_zone": clinic.time_zone,
        "quiet_hours_start": "21:00",
        "quiet_hours_end": "08:00",
        "business_hours_start": "08:00",
        "business_hours_end": "17:00",
        "business_days": "[1, 2, 3, 4, 5]",
        "max_unsolicited_per_day": 1,
        "max_unsolicited_per_week": 3,
        "emergency_instruction_en": "",
        "emergency_instruction_es": "",
        **extra,
    }


def test_alice_edits_clinic_a_but_not_clinic_b(alice, bob, clinic, other_clinic):
    client = as_(alice)

    mine = client.post(
        f"/admin/patients/clinic/{clinic.pk}/change/", clinic_form(clinic, name="A2")
    )
    theirs = client.post(
        f"/admin/patients/clinic/{other_clinic.pk}/change/", clinic_form(other_clinic, name="B2")
    )

    assert mine.status_code == 302 and theirs.url == "/admin/"
    clinic.refresh_from_db()
    other_clinic.refresh_from_db()
    assert (clinic.name, other_clinic.name) == ("A2", "Boston Spine")


def test_alice_cannot_post_memberships_through_the_clinic_page(alice, bob, clinic):
    """The superuser's membership inline is not there for alice: posting it changes nothing."""
    data = clinic_form(clinic)
    data.update(
        {
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": alice.pk,
            "memberships-0-role": Role.CLINIC_ADMIN,
            "memberships-0-is_active": "on",
        }
    )

    as_(alice).post(f"/admin/patients/clinic/{clinic.pk}/change/", data)

    assert ClinicMembership.objects.filter(user=alice).count() == 1


# --- patients ---------------------------------------------------------------------------------------
def patient_form(patient: Patient, **extra) -> dict:
    return {
        "clinic": patient.clinic_id,
        "first_name": patient.first_name,
        "last_name": patient.last_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "mrn": patient.mrn,
        "phone": patient.phone,
        "email": "",
        "time_zone": patient.time_zone,
        "language": "en",
        "preferred_channel": "sms",
        "sms_consent": "on",
        "phone_invalid_reason": "",
        **extra,
    }


def test_patients_are_read_only_for_a_clinic_admin(alice, clinic, other_clinic):
    patient = PatientFactory(clinic=clinic)
    client = as_(alice)

    moved = client.post(
        f"/admin/patients/patient/{patient.pk}/change/",
        patient_form(patient, clinic=other_clinic.pk, phone="+15125550199"),
    )
    added = client.post("/admin/patients/patient/add/", patient_form(patient, mrn="NEW-1"))

    assert moved.status_code == 403 and added.status_code == 403
    patient.refresh_from_db()
    assert (patient.clinic_id, patient.phone) != (other_clinic.pk, "+15125550199")
    assert client.get(f"/admin/patients/patient/{patient.pk}/change/").status_code == 200


def test_a_superuser_may_still_correct_a_patient(root, clinic):
    patient = PatientFactory(clinic=clinic)

    response = as_(root).post(
        f"/admin/patients/patient/{patient.pk}/change/", patient_form(patient, first_name="Anna")
    )

    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.first_name == "Anna"


# --- every admin, every relation --------------------------------------------------------------------
def test_every_relation_of_every_scoped_admin_has_a_scope():
    """A new foreign key in a scoped admin must name its clinic path, or the choice is empty."""
    from django.contrib import admin

    missing = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ClinicScopedAdmin):
            continue
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.many_to_many) or not field.concrete:
                continue
            label = field.related_model._meta.label_lower
            if label not in SCOPE_PATHS and label not in UNSCOPED_MODELS:
                missing.append(f"{model._meta.label}.{field.name} -> {label}")
    assert missing == []


# --- inviting staff (18.7) -------------------------------------------------------------------------
def invite_form(clinic, **extra) -> dict:
    return {
        "clinic": clinic.pk,
        "role": Role.TRIAGE_NURSE,
        "username": "nora",
        "email": "nora@clinic.example",
        "first_name": "Nora",
        "last_name": "Vance",
        "page_phone": "+15125550177",
        **extra,
    }


def test_alice_invites_a_nurse_to_her_clinic(alice, clinic, django_capture_on_commit_callbacks):
    from django.core import mail

    client = as_(alice)
    assert b"Invite staff" in client.get("/admin/patients/clinicmembership/").content

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/patients/clinicmembership/invite/", invite_form(clinic))

    assert response.status_code == 302
    membership = ClinicMembership.objects.get(user__username="nora")
    assert (membership.clinic, membership.role) == (clinic, Role.TRIAGE_NURSE)
    assert not membership.user.has_usable_password() and not membership.user.is_staff
    assert list(membership.user.groups.values_list("name", flat=True)) == ["Triage nurses"]
    [email] = mail.outbox
    assert email.to == ["nora@clinic.example"] and "/accounts/reset/" in email.body
    link = email.body.split("here (the link works once): ")[1].split()[0]
    page = Client().get(link.replace("https://followup.test", ""), follow=True)
    assert b"new_password1" in page.content  # the link opens the set-password form
    event = AuditEvent.objects.get(object_type="clinicmembership", object_id=str(membership.pk))
    assert (event.username, event.action, event.detail["role"]) == (
        "alice",
        "create",
        "triage_nurse",
    )


def test_alice_cannot_invite_to_clinic_b_or_as_clinic_admin(alice, bob, clinic, other_clinic):
    client = as_(alice)

    to_b = client.post("/admin/patients/clinicmembership/invite/", invite_form(other_clinic))
    as_admin = client.post(
        "/admin/patients/clinicmembership/invite/", invite_form(clinic, role=Role.CLINIC_ADMIN)
    )

    assert "clinic" in to_b.context["form"].errors
    assert "role" in as_admin.context["form"].errors
    assert not ClinicMembership.objects.filter(user__username="nora").exists()


def test_an_invite_with_a_taken_username_creates_nothing(alice, bob, clinic):
    response = as_(alice).post(
        "/admin/patients/clinicmembership/invite/", invite_form(clinic, username="bob")
    )

    assert response.context["form"].errors["username"] == [
        "That username is taken; choose another."
    ]
    assert ClinicMembership.objects.filter(user__username="bob").count() == 1


def test_a_nurse_cannot_invite(nina, clinic):
    response = as_(nina).post("/admin/patients/clinicmembership/invite/", invite_form(clinic))

    assert response.status_code == 403


def test_the_invite_service_refuses_another_clinic(alice, other_clinic):
    from django.core.exceptions import PermissionDenied

    from patients.invites import staff_invite

    with pytest.raises(PermissionDenied):
        staff_invite(
            by=alice, clinic=other_clinic, username="nora", email="n@x.example", role="physician"
        )
