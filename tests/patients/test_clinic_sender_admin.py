"""Who may set a clinic's SMS sender in the admin (issue 20.4): the sender decides which clinic's
patients an inbound text can reach, so only superusers change it. People as in
test_admin_tenancy.py: alice is clinic admin of A, bob of B, root a superuser."""

from __future__ import annotations

import pytest

from patients.models import Role
from tests.factories import UserFactory

from .test_admin_tenancy import as_, clinic_form, member


@pytest.fixture
def bob(other_clinic):
    return member("bob", other_clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


pytestmark = pytest.mark.django_db

B_NUMBER = "+16175550900"


def test_a_clinic_admin_cannot_point_their_sender_at_another_clinics_number(
    bob, clinic, other_clinic
):
    clinic.sms_from_number = "+15125550900"
    clinic.save(update_fields=["sms_from_number"])
    response = as_(bob).post(
        f"/admin/patients/clinic/{other_clinic.pk}/change/",
        clinic_form(other_clinic, name="B2", sms_from_number=clinic.sms_from_number),
    )
    assert response.status_code == 302
    other_clinic.refresh_from_db()
    assert other_clinic.name == "B2" and other_clinic.sms_from_number == ""


def test_a_superuser_sets_a_clinics_sender_and_bad_values_are_refused(root, other_clinic):
    client = as_(root)
    url = f"/admin/patients/clinic/{other_clinic.pk}/change/"
    # The superuser's page carries the membership inline: its management form, no rows.
    inline = {
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    bad = client.post(
        url, clinic_form(other_clinic, sms_messaging_service_sid="MGnothex", **inline)
    )
    assert bad.status_code == 200 and "32 hex digits" in bad.content.decode()
    service = "MG" + "a" * 32
    ok = client.post(
        url,
        clinic_form(
            other_clinic, sms_from_number=B_NUMBER, sms_messaging_service_sid=service, **inline
        ),
    )
    assert ok.status_code == 302, ok.context["adminform"].form.errors
    other_clinic.refresh_from_db()
    assert (other_clinic.sms_from_number, other_clinic.sms_messaging_service_sid) == (
        B_NUMBER,
        service,
    )
