"""POST/GET /api/v1/enrollments/ per DESIGN.md."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.models import Checkpoint, Enrollment
from patients.models import Patient

from ..conftest import token_client

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def body(**overrides) -> dict:
    payload = {
        "patient": {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "date_of_birth": "1961-04-02",
            "mrn": "A-1001",
            "phone": "+15125550100",
            "email": "ana@example.org",
            "time_zone": "America/Chicago",
            "language": "es",
            "preferred_channel": "sms",
        },
        "procedure": "VA",
        "performed_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "clinic": "spine-austin",
        "physician": "bob",
        "baseline": {"pain": 8, "odi": 52},
    }
    for key, value in overrides.items():
        if key.startswith("patient__"):
            payload["patient"][key.removeprefix("patient__")] = value
        else:
            payload[key] = value
    return payload


def test_it_enrolls_and_returns_the_scheduled_checkpoints(api, bob):
    response = api.post("/api/v1/enrollments/", body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["procedure"] == "VA" and data["protocol_version"] >= 1
    labels = [c["key"] for c in data["checkpoints"]]
    assert labels[:2] == ["h48", "d14"] and {"m3", "m6", "m12"} <= set(labels)
    for checkpoint in data["checkpoints"]:
        assert set(checkpoint) >= {
            "id",
            "label",
            "target_date",
            "window_opens",
            "window_closes",
            "status",
        }
    d14 = next(c for c in data["checkpoints"] if c["key"] == "d14")
    performed = TODAY - dt.timedelta(days=3)
    assert d14["target_date"] == (performed + dt.timedelta(days=14)).isoformat()
    assert d14["window_closes"] == (performed + dt.timedelta(days=42)).isoformat()
    assert data["baseline"] == {
        "pain": 8,
        "odi": 52.0,
        "ndi": None,
        "back_pain": None,
        "leg_pain": None,
    }
    patient = Patient.objects.get(mrn="A-1001")
    assert patient.language == "es" and patient.phone == "+15125550100"


def test_it_reuses_the_patient_by_clinic_and_mrn(api, bob):
    assert api.post("/api/v1/enrollments/", body(), format="json").status_code == 201
    second = body(procedure="ESI", patient__phone="(512) 555-0199")
    assert api.post("/api/v1/enrollments/", second, format="json").status_code == 201
    assert Patient.objects.filter(mrn="A-1001").count() == 1
    assert Patient.objects.get(mrn="A-1001").phone == "+15125550199"
    assert Enrollment.objects.count() == 2


def test_it_answers_409_for_the_same_patient_procedure_and_date(api, bob):
    first = api.post("/api/v1/enrollments/", body(), format="json")
    again = api.post("/api/v1/enrollments/", body(), format="json")
    assert again.status_code == 409
    assert again.json()["enrollment_id"] == first.json()["id"]
    assert Enrollment.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field_path"),
    [
        ({"procedure": "APPENDECTOMY"}, ["procedure"]),
        ({"performed_on": (TODAY + dt.timedelta(days=2)).isoformat()}, ["performed_on"]),
        ({"patient__phone": "555-not-a-number"}, ["patient", "phone"]),
        ({"patient__phone": "+1512555"}, ["patient", "phone"]),
        ({"patient__time_zone": "Mars/Olympus_Mons"}, ["patient", "time_zone"]),
        ({"patient__preferred_channel": "email", "patient__email": ""}, ["patient", "email"]),
        ({"patient__preferred_channel": "sms", "patient__phone": ""}, ["patient", "phone"]),
        ({"physician": "alice"}, ["physician"]),
        ({"physician": "nobody"}, ["physician"]),
        ({"baseline": {"pain": 11}}, ["baseline", "pain"]),
        ({"baseline": {"odi": 140}}, ["baseline", "odi"]),
        ({"performed_on": "yesterday"}, ["performed_on"]),
        ({"patient__language": "fr"}, ["patient", "language"]),
    ],
)
def test_it_rejects_bad_input_with_field_errors(api, bob, overrides, field_path):
    response = api.post("/api/v1/enrollments/", body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()
    for key in field_path:
        assert key in errors, errors
        errors = errors[key]
    assert errors and all(isinstance(message, str) and message for message in errors)
    assert Enrollment.objects.count() == 0


def test_it_rejects_a_physician_of_another_clinic(api, bob, dora):
    response = api.post("/api/v1/enrollments/", body(physician="dora"), format="json")
    assert response.status_code == 400
    assert "physician" in response.json()


def test_it_rejects_malformed_json(api, bob):
    response = api.post(
        "/api/v1/enrollments/", data='{"patient": {', content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_it_requires_a_token(client, bob):
    response = client.post("/api/v1/enrollments/", body(), content_type="application/json")
    assert response.status_code in (401, 403)
    assert Enrollment.objects.count() == 0


def test_a_token_of_another_clinic_cannot_enroll_into_it(bob, charlie):
    response = token_client(charlie).post("/api/v1/enrollments/", body(), format="json")
    assert response.status_code == 404
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("overrides", [{}, {"physician": "nobody"}, {"procedure": "X"}])
def test_another_clinics_slug_and_an_unknown_one_get_the_same_answer(bob, charlie, overrides):
    """Whatever else is wrong, a caller cannot tell another clinic's slug from a missing one."""
    client = token_client(charlie)
    theirs = client.post("/api/v1/enrollments/", body(**overrides), format="json")
    missing = client.post(
        "/api/v1/enrollments/", body(clinic="no-such-clinic", **overrides), format="json"
    )

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"detail": "Clinic not found."}
    assert Enrollment.objects.count() == 0


def test_a_token_of_another_clinic_cannot_read_it(api, bob, charlie):
    created = api.post("/api/v1/enrollments/", body(), format="json").json()
    assert api.get(f"/api/v1/enrollments/{created['id']}/").status_code == 200
    assert token_client(charlie).get(f"/api/v1/enrollments/{created['id']}/").status_code == 404
    listing = token_client(charlie).get("/api/v1/enrollments/").json()
    assert listing["count"] == 0


def test_it_shows_checkpoint_status_answers_and_scores(api, bob):
    created = api.post("/api/v1/enrollments/", body(), format="json").json()
    detail = api.get(f"/api/v1/enrollments/{created['id']}/").json()
    assert [c["id"] for c in detail["checkpoints"]] == [c["id"] for c in created["checkpoints"]]
    assert detail["answers"] == [] and detail["scores"] == []
    assert Checkpoint.objects.filter(enrollment_id=created["id"]).count() == len(
        detail["checkpoints"]
    )


def test_list_pages_accept_page_size_up_to_1000(api, bob):
    for i in range(3):
        api.post("/api/v1/enrollments/", body(patient__mrn=f"M-{i}"), format="json")
    page = api.get("/api/v1/enrollments/?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2
    capped = api.get("/api/v1/enrollments/?page_size=5000").json()
    assert len(capped["results"]) == 3


def test_the_openapi_schema_documents_the_enrollment_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/enrollments/" in schema["paths"]
    assert "409" in schema["paths"]["/api/v1/enrollments/"]["post"]["responses"]


def test_a_non_numeric_id_is_a_404_not_a_server_error(api):
    assert api.get("/api/v1/enrollments/1'%20OR%201=1/").status_code == 404
    assert api.get("/api/v1/escalations/abc/").status_code == 404


def test_deeply_nested_json_is_a_400_not_a_server_error(api, bob):
    response = api.post(
        "/api/v1/enrollments/", data="[" * 5000 + "]" * 5000, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
