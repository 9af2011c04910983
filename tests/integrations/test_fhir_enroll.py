"""Enrollment over FHIR: a transaction Bundle or a Procedure with a contained Patient creates the
enrollment exactly as POST /api/v1/enrollments/ does (same validation, 409, OperationOutcome)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.procedure import Procedure

from followup.models import Enrollment
from patients.models import AuditEvent, Patient

from ..conftest import token_client

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
PERFORMED = (dt.date.today() - dt.timedelta(days=3)).isoformat()


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = BASE


def patient(**overrides) -> dict:
    resource = {
        "resourceType": "Patient",
        "identifier": [{"system": f"{BASE}/fhir/clinic/spine-austin/mrn", "value": "A-1001"}],
        "name": [{"family": "Ruiz", "given": ["Ana"]}],
        "birthDate": "1961-04-02",
        "telecom": [
            {"system": "phone", "value": "+15125550100", "use": "mobile", "rank": 1},
            {"system": "email", "value": "ana@example.org", "rank": 2},
        ],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}}],
        "extension": [
            {"url": f"{BASE}/fhir/StructureDefinition/time-zone", "valueCode": "America/Denver"}
        ],
    }
    resource.update(overrides)
    return resource


def procedure(**overrides) -> dict:
    resource = {
        "resourceType": "Procedure",
        "identifier": [{"system": "urn:oid:1.2.3.4", "value": "ORD-77"}],
        "status": "completed",
        "code": {"coding": [{"system": f"{BASE}/fhir/CodeSystem/procedure", "code": "VA"}]},
        "subject": {"reference": "urn:uuid:6b8c0f4e-7d21-4d35-a3a4-0c1e6f2d9a10"},
        "performedDateTime": PERFORMED,
        "performer": [{"actor": {"identifier": {"value": "bob"}}}],
        "bodySite": [{"text": "L1"}],
    }
    resource.update(overrides)
    return resource


def baseline(code: str, value: int) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": "urn:uuid:6b8c0f4e-7d21-4d35-a3a4-0c1e6f2d9a10"},
        "valueInteger": value,
    }


def transaction(pat: dict | None = None, proc: dict | None = None, extra=()) -> dict:
    entries = [
        {
            "fullUrl": "urn:uuid:6b8c0f4e-7d21-4d35-a3a4-0c1e6f2d9a10",
            "resource": pat or patient(),
            "request": {"method": "POST", "url": "Patient"},
        },
        {"resource": proc or procedure(), "request": {"method": "POST", "url": "Procedure"}},
    ]
    entries += [{"resource": r, "request": {"method": "POST", "url": "Observation"}} for r in extra]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def post(client, path: str, body) -> tuple[int, dict, object]:
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(path, data, content_type="application/fhir+json")
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.status_code, json.loads(response.content), response


def test_the_samples_are_valid_fhir():
    Bundle.model_validate(transaction(extra=[baseline("72514-3", 8)]))


def test_it_enrolls_from_a_transaction_bundle_like_the_api(alice, bob):
    status, body, _ = post(
        token_client(alice),
        "/fhir/",
        transaction(extra=[baseline("72514-3", 8), baseline("97909-6", 52)]),
    )
    assert status == 200, body
    Bundle.model_validate(body)
    assert body["type"] == "transaction-response"
    enrollment = Enrollment.objects.get()
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created", "201 Created"]
    assert body["entry"][1]["response"]["location"] == f"{BASE}/fhir/Procedure/{enrollment.pk}"
    assert enrollment.procedure == "VA" and enrollment.physician == bob
    assert enrollment.performed_on.isoformat() == PERFORMED
    assert (enrollment.baseline_pain, float(enrollment.baseline_odi)) == (8, 52.0)
    assert enrollment.levels == "L1" and enrollment.external_id == "ORD-77"
    assert enrollment.created_by == alice
    p = Patient.objects.get(mrn="A-1001")
    assert (p.first_name, p.phone, p.email, p.language, p.time_zone, p.preferred_channel) == (
        "Ana",
        "+15125550100",
        "ana@example.org",
        "es",
        "America/Denver",
        "sms",
    )
    assert {c.key for c in enrollment.checkpoints.all()} >= {"h48", "d14", "m3", "m6", "m12"}
    event = AuditEvent.objects.get(action="create")
    assert event.patient_id == p.pk and event.detail == {"via": "fhir"}


def test_it_enrolls_from_a_procedure_with_a_contained_patient(alice, bob):
    proc = procedure(subject={"reference": "#p"}, contained=[{**patient(), "id": "p"}])
    status, body, response = post(token_client(alice), "/fhir/Procedure", proc)
    assert status == 201, body
    Procedure.model_validate(body)
    enrollment = Enrollment.objects.get()
    assert response["Location"] == f"{BASE}/fhir/Procedure/{enrollment.pk}"
    assert (
        body["id"] == str(enrollment.pk)
        and body["subject"]["reference"] == f"Patient/{enrollment.patient_id}"
    )


def test_it_answers_409_for_the_same_patient_procedure_and_date(alice, bob):
    api = token_client(alice)
    assert post(api, "/fhir/", transaction())[0] == 200
    existing = Enrollment.objects.get()
    status, body, response = post(api, "/fhir/", transaction())
    assert status == 409
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == "duplicate"
    assert f"Procedure/{existing.pk}" in body["issue"][0]["diagnostics"]
    assert Enrollment.objects.count() == 1
    # The API agrees: the same enrollment is a duplicate there too.
    api_body = {
        "patient": {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "date_of_birth": "1961-04-02",
            "mrn": "A-1001",
            "phone": "+15125550100",
        },
        "procedure": "VA",
        "performed_on": PERFORMED,
        "clinic": "spine-austin",
        "physician": "bob",
    }
    assert api.post("/api/v1/enrollments/", api_body, format="json").status_code == 409


@pytest.mark.parametrize(
    ("bundle", "expression"),
    [
        (transaction(proc=procedure(code={"coding": [{"code": "XYZ"}]})), "Procedure.code"),
        (transaction(proc=procedure(performedDateTime="2999-01-01")), "Procedure.performed"),
        (transaction(pat=patient(telecom=[{"system": "phone", "value": "12"}])), "Patient.telecom"),
        (transaction(pat=patient(telecom=[])), "Patient.telecom"),
        (transaction(pat=patient(birthDate="not-a-date")), "Patient.birthDate"),
        (
            transaction(
                pat=patient(
                    extension=[
                        {
                            "url": f"{BASE}/fhir/StructureDefinition/time-zone",
                            "valueCode": "Mars/Base",
                        }
                    ]
                )
            ),
            "Patient.extension",
        ),
        (
            transaction(proc=procedure(performer=[{"actor": {"identifier": {"value": "alice"}}}])),
            "Procedure.performer.actor",
        ),
        (transaction(proc=procedure(performer=[])), "Procedure.performer.actor"),
        (transaction(pat=patient(identifier=[])), "Patient.identifier"),
        (transaction(extra=[baseline("72514-3", 11)]), "Observation.value"),
        (
            transaction(proc=procedure(subject={"reference": "urn:uuid:someone-else"})),
            "Procedure.subject",
        ),
        ({"resourceType": "Bundle", "type": "batch", "entry": []}, "Bundle.type"),
        ({**transaction(), "entry": transaction()["entry"][:1]}, "Bundle.entry"),
    ],
)
def test_it_answers_bad_input_with_an_operation_outcome(alice, bob, bundle, expression):
    status, body, _ = post(token_client(alice), "/fhir/", copy.deepcopy(bundle))
    assert status == 400, body
    OperationOutcome.model_validate(body)
    assert expression in [e for issue in body["issue"] for e in issue.get("expression", [])]
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", "[" * 5000])
def test_it_answers_malformed_json_with_400(alice, raw):
    status, body, _ = post(token_client(alice), "/fhir/", raw)
    assert status == 400
    OperationOutcome.model_validate(body)


def test_another_clinics_mrn_system_is_404_as_in_the_api(alice, other_clinic):
    pat = patient(identifier=[{"system": f"{BASE}/fhir/clinic/spine-boston/mrn", "value": "B-1"}])
    status, body, _ = post(token_client(alice), "/fhir/", transaction(pat=pat))
    assert status == 404
    OperationOutcome.model_validate(body)
    assert Enrollment.objects.count() == 0 and not Patient.objects.filter(mrn="B-1").exists()


def test_a_single_clinic_caller_may_send_any_mr_identifier(alice, bob):
    mr = {
        "type": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
        },
        "system": "urn:oid:2.16.840.1.113883.3.999",
        "value": "EHR-55",
    }
    status, body, _ = post(token_client(alice), "/fhir/", transaction(pat=patient(identifier=[mr])))
    assert status == 200, body
    assert Patient.objects.get().mrn == "EHR-55"


def test_it_needs_a_token(db):
    from rest_framework.test import APIClient

    status, body, _ = post(APIClient(), "/fhir/", transaction())
    assert status == 401
    assert Enrollment.objects.count() == 0
