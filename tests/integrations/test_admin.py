"""The procedure-code table and interface settings in the admin: a clinic admin (through the
role's group) reads and writes only their own clinics' rows."""

from __future__ import annotations

import pytest

from integrations.models import ClinicInterface, ProcedureCodeMapping
from patients.models import Role
from patients.permissions import user_sync_groups

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(clinic):
    """A clinic admin of the clinic."""
    user = UserFactory(username="ada", is_staff=True)
    MembershipFactory(user=user, clinic=clinic, role=Role.CLINIC_ADMIN)
    user_sync_groups(user=user)
    return user


def test_a_clinic_admin_sees_and_edits_only_their_clinics_codes(client, ada, clinic, other_clinic):
    mine = ProcedureCodeMapping.objects.create(clinic=clinic, code="22514", procedure="VA")
    theirs = ProcedureCodeMapping.objects.create(clinic=other_clinic, code="77777", procedure="ESI")
    client.force_login(ada)
    listing = client.get("/admin/integrations/procedurecodemapping/")
    assert listing.status_code == 200
    assert b"22514" in listing.content and b"77777" not in listing.content
    assert (
        client.get(f"/admin/integrations/procedurecodemapping/{mine.pk}/change/").status_code == 200
    )
    assert (
        client.get(f"/admin/integrations/procedurecodemapping/{theirs.pk}/change/").status_code
        == 302
    )

    # A forged POST for the other clinic is refused; their row is untouched.
    forged = client.post(
        "/admin/integrations/procedurecodemapping/add/",
        {"clinic": other_clinic.pk, "code": "62323", "procedure": "ESI", "is_active": "on"},
    )
    assert forged.status_code == 200 and b"Select a valid choice" in forged.content
    client.post(
        f"/admin/integrations/procedurecodemapping/{theirs.pk}/change/",
        {"clinic": other_clinic.pk, "code": "77777", "procedure": "VA", "is_active": "on"},
    )
    theirs.refresh_from_db()
    assert theirs.procedure == "ESI"

    created = client.post(
        "/admin/integrations/procedurecodemapping/add/",
        {"clinic": clinic.pk, "code": "62323", "procedure": "ESI", "is_active": "on"},
    )
    assert created.status_code == 302
    assert ProcedureCodeMapping.objects.filter(
        clinic=clinic, code="62323", procedure="ESI"
    ).exists()
    unknown = client.post(
        "/admin/integrations/procedurecodemapping/add/",
        {"clinic": clinic.pk, "code": "1", "procedure": "NOPE", "is_active": "on"},
    )
    assert unknown.status_code == 200 and not ProcedureCodeMapping.objects.filter(code="1").exists()


def test_the_default_physician_must_belong_to_the_clinic(client, ada, clinic, dora):
    client.force_login(ada)
    response = client.post(
        "/admin/integrations/clinicinterface/add/",
        {"clinic": clinic.pk, "sending_facility": "NORTHSIDE", "default_physician": dora.pk},
    )
    # Refused either by the interface's own check or, first, by the admin's clinic scoping, which
    # does not offer another clinic's staff as a choice at all (patients/admin_scope.py).
    assert response.status_code == 200
    assert (
        b"Not a physician of this clinic" in response.content
        or b"Select a valid choice" in response.content
    )
    assert not ClinicInterface.objects.exists()


def test_a_nurse_cannot_open_the_code_table(client, alice):
    alice.is_staff = True
    alice.save()
    user_sync_groups(user=alice)
    client.force_login(alice)
    assert client.get("/admin/integrations/procedurecodemapping/").status_code == 403
