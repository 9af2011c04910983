"""The HL7 write-back settings in the admin: host and port together, the clinic admin's own
clinic only; FHIR OAuth clients are not exposed in the admin."""

from __future__ import annotations

import pytest

from integrations.models import ClinicInterface

from .test_admin import ada  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

ADD = "/admin/integrations/clinicinterface/add/"


def form(clinic, **extra):
    return {"clinic": clinic.pk, "sending_facility": "NORTHSIDE", **extra}


def test_the_mllp_host_needs_its_port(client, ada, clinic):  # noqa: F811
    client.force_login(ada)
    response = client.post(ADD, form(clinic, writeback_enabled="on", writeback_hl7_host="ehr"))
    assert response.status_code == 200 and b"Give both the MLLP host and port" in response.content
    assert not ClinicInterface.objects.exists()
    saved = client.post(
        ADD,
        form(
            clinic, writeback_enabled="on", writeback_hl7_host="ehr.local", writeback_hl7_port=6661
        ),
    )
    assert saved.status_code == 302
    interface = ClinicInterface.objects.get()
    assert interface.writeback_channels() == ["hl7"] and interface.writeback_since is not None


def test_another_clinics_interface_cannot_be_set_up(client, ada, other_clinic):  # noqa: F811
    client.force_login(ada)
    response = client.post(
        ADD,
        form(
            other_clinic,
            writeback_enabled="on",
            writeback_hl7_host="ehr.local",
            writeback_hl7_port=6661,
        ),
    )
    assert response.status_code in (200, 403) and not ClinicInterface.objects.exists()


def test_oauth_clients_are_not_in_the_admin(admin_client):
    assert admin_client.get("/admin/integrations/fhirclient/").status_code == 404
