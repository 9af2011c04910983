"""FHIR R4 read API under /fhir/: resources validated with fhir.resources (R4B models, which
are R4 for these resources; see followup/exports/fhir.py), clinic scoping, search, paging, audit."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.flag import Flag as FlagR4
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as PatientR4
from fhir.resources.R4B.procedure import Procedure
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from rest_framework.test import APIClient

from patients.models import AuditEvent

from ..conftest import token_client
from ..followup.outcomes_data import flag, patient_enrolled, record, set_status

pytestmark = pytest.mark.django_db

BASE = "http://testserver"
MODELS = {
    "Patient": PatientR4,
    "Procedure": Procedure,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "Flag": FlagR4,
    "Questionnaire": Questionnaire,
}


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def ana(clinic, bob):
    e = patient_enrolled(
        clinic,
        bob,
        procedure="VA",
        mrn="MRN-A",
        first_name="Ana",
        last_name="Ruiz",
        baseline_pain=8,
        baseline_odi=50,
    )
    record(e, "h48", nrs_now=6, text="my back is sore")
    record(e, "d14", nrs_now=4, nrs_avg=4, odi=30, meds="less")
    set_status(e, "m3", "open")
    flag(e, "EMERGENCY", "RF_SOB_CHEST")
    return e


@pytest.fixture
def carl(other_clinic, dora):
    """A patient of another clinic, with the same MRN as Ana's."""
    e = patient_enrolled(other_clinic, dora, procedure="ESI", mrn="MRN-A", first_name="Carl")
    record(e, "d14", nrs_now=2)
    flag(e, "URGENT", "RF_FEVER")
    return e


def get(client: APIClient, path: str, **params) -> tuple[int, dict]:
    response = client.get(path, params, HTTP_ACCEPT="application/fhir+json")
    assert response["Content-Type"].startswith("application/fhir+json")
    return response.status_code, json.loads(response.content)


def validated(bundle: dict) -> list[dict]:
    Bundle.model_validate(bundle)
    out = []
    for entry in bundle.get("entry", []):
        resource = entry["resource"]
        MODELS[resource["resourceType"]].model_validate(resource)
        assert entry["fullUrl"] == f"{BASE}/fhir/{resource['resourceType']}/{resource['id']}"
        out.append(resource)
    return out


def test_it_serves_a_capability_statement_without_a_token(db):
    status, body = get(APIClient(), "/fhir/metadata")
    assert status == 200
    CapabilityStatement.model_validate(body)
    assert body["fhirVersion"] == "4.0.1"
    kinds = {r["type"] for r in body["rest"][0]["resource"]}
    assert kinds == {
        "Patient",
        "Procedure",
        "QuestionnaireResponse",
        "Observation",
        "Flag",
        "Questionnaire",
    }


def test_it_refuses_resources_without_a_token_with_an_operation_outcome(ana):
    status, body = get(APIClient(), "/fhir/Patient")
    assert status == 401
    OperationOutcome.model_validate(body)
    status, _ = get(APIClient(HTTP_AUTHORIZATION="Token nope"), "/fhir/Patient")
    assert status == 401


def test_it_searches_patients_by_mrn_identifier_within_the_callers_clinics(ana, carl, alice):
    api = token_client(alice)
    system = f"{BASE}/fhir/clinic/spine-austin/mrn"
    status, bundle = get(api, "/fhir/Patient", identifier=f"{system}|MRN-A")
    assert status == 200 and bundle["type"] == "searchset" and bundle["total"] == 1
    (patient,) = validated(bundle)
    assert patient["id"] == str(ana.patient_id)
    assert patient["identifier"][0] == {
        "use": "usual",
        "type": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
        },
        "system": system,
        "value": "MRN-A",
    }
    # A bare MRN: still only this clinic's patient, never Carl of the other clinic.
    _, bundle = get(api, "/fhir/Patient", identifier="MRN-A")
    assert [r["id"] for r in validated(bundle)] == [str(ana.patient_id)]
    # The other clinic's system: nothing, not an error.
    _, bundle = get(api, "/fhir/Patient", identifier=f"{BASE}/fhir/clinic/spine-boston/mrn|MRN-A")
    assert bundle["total"] == 0 and "entry" not in bundle


def test_it_answers_404_for_another_clinics_resources(ana, carl, alice, charlie):
    api = token_client(alice)
    for url in (
        f"/fhir/Patient/{carl.patient_id}",
        f"/fhir/Procedure/{carl.pk}",
        f"/fhir/QuestionnaireResponse/{carl.checkpoints.get(key='d14').pk}",
        "/fhir/Patient/999999",
        "/fhir/Observation/not-a-score",
    ):
        status, body = get(api, url)
        assert status == 404, url
        OperationOutcome.model_validate(body)
    status, body = get(token_client(charlie), f"/fhir/Patient/{carl.patient_id}")
    assert status == 200 and body["name"][0]["given"] == ["Carl"]


def test_it_reads_each_resource_type_and_they_validate(ana, alice):
    api = token_client(alice)
    status, patient = get(api, f"/fhir/Patient/{ana.patient_id}")
    assert status == 200
    PatientR4.model_validate(patient)
    assert patient["meta"]["lastUpdated"]

    status, procedure = get(api, f"/fhir/Procedure/{ana.pk}")
    Procedure.model_validate(procedure)
    assert procedure["subject"] == {"reference": f"Patient/{ana.patient_id}"}
    assert procedure["code"]["coding"][0]["code"] == "VA"

    _, bundle = get(api, "/fhir/QuestionnaireResponse", patient=f"Patient/{ana.patient_id}")
    responses = validated(bundle)
    # One per completed check: h48 and d14; the open m3 is not there.
    assert bundle["total"] == 2
    assert {r["status"] for r in responses} == {"completed"}
    d14 = next(
        r for r in responses if r["identifier"]["value"] == str(ana.checkpoints.get(key="d14").pk)
    )
    links = {item["linkId"] for item in d14["item"]}
    assert {"PAIN_NOW", "PAIN_AVG", "ODI", "MEDS"} <= links
    odi = next(item for item in d14["item"] if item["linkId"] == "ODI")
    assert sum(i["answer"][0]["valueInteger"] for i in odi["item"]) == 15  # 30 % = 15 / 50
    h48 = next(r for r in responses if r is not d14)
    assert all(item["linkId"] != "ANYTHING_ELSE" for item in h48["item"])  # free text stays out

    _, bundle = get(api, "/fhir/Observation", patient=str(ana.patient_id))
    observations = validated(bundle)
    codes = {
        (o["code"]["coding"][0]["system"], o["code"]["coding"][0]["code"]) for o in observations
    }
    assert ("http://loinc.org", "97909-6") in codes and ("http://loinc.org", "72514-3") in codes
    odi_obs = next(o for o in observations if o["code"]["coding"][0]["code"] == "97909-6")
    assert odi_obs["valueQuantity"]["value"] == 30
    assert odi_obs["derivedFrom"][0]["reference"].startswith("QuestionnaireResponse/")
    status, single = get(api, f"/fhir/Observation/{odi_obs['id']}")
    assert status == 200 and single == odi_obs

    _, bundle = get(api, "/fhir/Observation", code="http://loinc.org|97909-6")
    assert [o["id"] for o in validated(bundle)] == [odi_obs["id"]]

    _, bundle = get(api, "/fhir/Flag", **{"patient.identifier": "MRN-A"})
    (red_flag,) = validated(bundle)
    assert red_flag["status"] == "active"
    assert red_flag["code"]["coding"][0]["code"] == "RF_SOB_CHEST"
    assert "EMERGENCY" in red_flag["code"]["text"]


def test_it_serves_questionnaires_per_instrument_and_check(ana, alice):
    api = token_client(alice)
    status, odi = get(api, "/fhir/Questionnaire/ODI")
    assert status == 200
    Questionnaire.model_validate(odi)
    assert len(odi["item"][0]["item"]) == 10
    _, bundle = get(api, "/fhir/Questionnaire")
    questionnaires = validated(bundle)
    assert questionnaires[0]["id"] == "ODI" and bundle["total"] > 10
    # The canonical each QuestionnaireResponse points to resolves by url.
    _, responses = get(api, "/fhir/QuestionnaireResponse")
    canonical = responses["entry"][0]["resource"]["questionnaire"]
    _, found = get(api, "/fhir/Questionnaire", url=canonical)
    (q,) = validated(found)
    assert q["url"] == canonical.split("|")[0]
    assert q["version"] == canonical.split("|")[1]
    status, _ = get(api, "/fhir/Questionnaire/FACET.SI-d14")
    assert status == 200


def test_it_searches_by_date_and_last_updated(ana, alice):
    api = token_client(alice)
    d14 = ana.checkpoints.get(key="d14")
    h48 = ana.checkpoints.get(key="h48")
    day = d14.completed_at.date()
    _, bundle = get(api, "/fhir/QuestionnaireResponse", date=day.isoformat())
    assert [r["id"] for r in validated(bundle)] == [str(d14.pk)]
    _, bundle = get(api, "/fhir/QuestionnaireResponse", _lastUpdated=f"lt{day.isoformat()}")
    assert [r["id"] for r in validated(bundle)] == [str(h48.pk)]
    _, bundle = get(
        api, "/fhir/QuestionnaireResponse", date=[f"ge{h48.completed_at.date()}", f"le{day}"]
    )
    assert bundle["total"] == 2
    _, bundle = get(api, "/fhir/Procedure", date=ana.performed_on.isoformat()[:7])
    assert bundle["total"] == 1
    _, bundle = get(api, "/fhir/Procedure", date=f"gt{ana.performed_on.isoformat()}")
    assert bundle["total"] == 0
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    _, bundle = get(api, "/fhir/Patient", _lastUpdated=f"ge{tomorrow}")
    assert bundle["total"] == 0
    _, bundle = get(api, "/fhir/Patient", _lastUpdated="ge2020-01-01T00:00:00Z")
    assert bundle["total"] == 1


@pytest.mark.parametrize(
    "params",
    [
        {"date": "yesterday"},
        {"date": "2026-13-01"},
        {"nmae": "Ana"},
        {"_count": "many"},
        {"_page": "0"},
        {"patient": "Patient/abc"},
    ],
)
def test_it_answers_bad_search_parameters_with_400(ana, alice, params):
    status, body = get(token_client(alice), "/fhir/QuestionnaireResponse", **params)
    assert status == 400
    OperationOutcome.model_validate(body)


def test_it_pages_bundles_with_links(clinic, bob, alice):
    for i in range(5):
        e = patient_enrolled(clinic, bob, mrn=f"P-{i}")
        record(e, "d14", nrs_now=i)
    api = token_client(alice)
    _, first = get(api, "/fhir/QuestionnaireResponse", _count=2)
    assert first["total"] == 5 and len(first["entry"]) == 2
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "previous" not in links and links["next"].startswith(
        f"{BASE}/fhir/QuestionnaireResponse?"
    )
    seen = [e["resource"]["id"] for e in first["entry"]]
    url = links["next"]
    while url:
        _, page = get(api, url.removeprefix(BASE))
        validated(page)
        seen += [e["resource"]["id"] for e in page["entry"]]
        url = {link["relation"]: link["url"] for link in page["link"]}.get("next")
    assert len(seen) == len(set(seen)) == 5


def test_it_audits_reads_and_searches_per_patient(ana, alice):
    api = token_client(alice)
    before = AuditEvent.objects.count()
    get(api, f"/fhir/Patient/{ana.patient_id}")
    get(api, "/fhir/Observation", patient=str(ana.patient_id))
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.patient_id, e.object_type, e.user_id) for e in events] == [
        ("api", ana.patient_id, "fhir:Patient", alice.pk),
        ("api", ana.patient_id, "fhir:Observation", alice.pk),
    ]
    assert events[1].detail["search"] is True and events[1].detail["count"] >= 2
    assert (
        "MRN-A" not in json.dumps([e.detail for e in events])
        and events[1].path == "/fhir/Observation"
    )
