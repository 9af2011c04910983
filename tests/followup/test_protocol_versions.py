"""Protocols ship as data, are reviewable in the admin, and editing one creates a new version."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from followup.models import Protocol
from followup.protocol_data import PROTOCOLS
from followup.protocols import protocol_current, protocol_publish, protocols_sync
from patients.models import Role
from tests.factories import MembershipFactory, PatientFactory, UserFactory, enroll

pytestmark = pytest.mark.django_db


def test_every_shipped_procedure_has_a_current_protocol_after_migrate():
    current = {p.code: p for p in Protocol.objects.filter(is_current=True)}
    assert (
        set(current)
        == set(PROTOCOLS)
        >= {
            "VA",
            "SCS",
            "ITDD",
            "ESI",
            "LYSIS",
            "DISC",
            "FACET_SI",
            "NERVE_BLOCK",
            "TUMOR_ABLATION",
            "BIOPSY",
        }
    )
    assert all(p.definition == PROTOCOLS[code] for code, p in current.items())


def test_syncing_again_publishes_nothing_new():
    assert protocols_sync() == []
    assert Protocol.objects.filter(code="VA").count() == 1


def test_editing_creates_a_new_version_and_enrollments_keep_theirs(clinic, bob):
    patient = PatientFactory(clinic=clinic)
    enrollment = enroll(
        patient=patient, physician=bob, procedure="ESI", performed_on=dt.date(2026, 6, 1)
    )
    original = enrollment.protocol
    edited = copy.deepcopy(original.definition)
    for checkpoint in edited["checkpoints"]:
        if checkpoint["key"] == "d14":
            checkpoint["target_day"] = 21
    new = protocol_publish(code="ESI", definition=edited, change_note="d14 moved to day 21")
    assert new.version == original.version + 1 and new.is_current
    original.refresh_from_db()
    assert not original.is_current and original.definition == PROTOCOLS["ESI"]
    enrollment.refresh_from_db()
    assert enrollment.protocol_id == original.pk
    assert enrollment.checkpoints.get(key="d14").target_date == dt.date(2026, 6, 15)
    later = enroll(
        patient=PatientFactory(clinic=clinic),
        physician=bob,
        procedure="ESI",
        performed_on=dt.date(2026, 6, 1),
    )
    assert later.protocol_id == new.pk
    assert later.checkpoints.get(key="d14").target_date == dt.date(2026, 6, 22)


def test_a_clinic_edit_is_not_overwritten_by_the_shipped_data(clinic):
    edited = copy.deepcopy(PROTOCOLS["BIOPSY"])
    edited["summary"] = "Clinic wording"
    protocol_publish(code="BIOPSY", definition=edited, change_note="clinic edit")
    protocols_sync()
    assert protocol_current(code="BIOPSY").definition["summary"] == "Clinic wording"


def test_an_invalid_definition_is_refused():
    broken = copy.deepcopy(PROTOCOLS["ESI"])
    broken["checkpoints"][0]["questions"].append("NO_SUCH_QUESTION")
    with pytest.raises(ValueError, match="Invalid protocol"):
        protocol_publish(code="ESI", definition=broken)
    assert Protocol.objects.filter(code="ESI").count() == 1


@pytest.fixture
def clinic_admin(clinic):
    user = UserFactory(username="ada", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["patients", "followup"])
    )
    MembershipFactory(user=user, clinic=clinic, role=Role.CLINIC_ADMIN)
    return user


def test_a_clinic_admin_publishes_a_new_version_from_the_admin(client, clinic_admin):
    import json

    client.force_login(clinic_admin)
    current = protocol_current(code="NERVE_BLOCK")
    definition = copy.deepcopy(current.definition)
    definition["summary"] = "Reviewed by Dr Ada"
    response = client.post(
        f"/admin/followup/protocol/{current.pk}/change/",
        {
            "code": "NERVE_BLOCK",
            "name": current.name,
            "definition": json.dumps(definition),
            "change_note": "reviewed",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    versions = list(Protocol.objects.filter(code="NERVE_BLOCK").order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].definition == PROTOCOLS["NERVE_BLOCK"] and not versions[0].is_current
    assert (
        versions[1].definition["summary"] == "Reviewed by Dr Ada"
        and versions[1].created_by == clinic_admin
    )


def test_the_admin_lists_and_searches_only_the_admins_clinic(
    client, clinic_admin, clinic, other_clinic
):
    mine = PatientFactory(clinic=clinic, mrn="MINE-1", last_name="Quintero")
    PatientFactory(clinic=other_clinic, mrn="THEIRS-1", last_name="Quintero")
    client.force_login(clinic_admin)
    response = client.get("/admin/patients/patient/?q=Quintero")
    assert response.status_code == 200
    assert b"MINE-1" in response.content and b"THEIRS-1" not in response.content
    assert client.get(f"/admin/patients/patient/{mine.pk}/change/").status_code == 200
    for url in [
        "/admin/followup/enrollment/",
        "/admin/followup/checkpoint/",
        "/admin/followup/protocol/",
        "/admin/followup/escalation/",
        "/admin/patients/clinic/",
        "/admin/followup/oncallshift/",
    ]:
        assert client.get(url).status_code == 200, url
