"""FHIR export of an enrollment, validated with fhir.resources.

fhir.resources 8 ships R4B (and R5, STU3) but not R4; for Patient, Procedure,
QuestionnaireResponse, Observation and Bundle R4B is R4, so the R4B models validate R4 here. The
R5 models must reject the bundle (R5 renamed Procedure.performed[x] to occurrence[x] and made
QuestionnaireResponse.identifier a list), which shows the output is R4-shaped, not R5.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fhir.resources.bundle import Bundle as BundleR5
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from followup.exports.fhir import enrollment_bundle
from followup.selectors.outcomes import enrollment_fhir_data
from patients.models import AuditEvent

from .outcomes_data import patient_enrolled, record, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollment(clinic, bob):
    e = patient_enrolled(
        clinic,
        bob,
        baseline_pain=8,
        baseline_odi=50,
        mrn="MRN-F-1",
        first_name="Ana",
        last_name="Ruiz",
        procedure="VA",
    )
    e.levels = "L1"
    e.save(update_fields=["levels"])
    record(e, "h48", nrs_now=6, text="my back is sore")
    record(e, "d14", nrs_now=5, nrs_avg=4, vas=38, odi=30, meds="less", pgic="much_better")
    record(e, "m3", status="missed", nrs_now=3)
    set_status(e, "m6", "open")
    return e


def fetch(client, user, enrollment, **params) -> dict:
    client.force_login(user)
    response = client.get(f"/outcomes/enrollments/{enrollment.pk}/fhir.json", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_it_validates_as_an_r4_bundle_and_not_as_r5(client, bob, enrollment):
    data = fetch(client, bob, enrollment)
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    with pytest.raises(ValidationError):
        BundleR5.model_validate(data)


def test_it_contains_patient_procedure_and_a_response_per_sent_check(client, bob, enrollment):
    data = fetch(client, bob, enrollment)
    (patient,) = resources(data, "Patient")
    assert patient["identifier"][0]["value"] == "MRN-F-1"
    assert patient["name"] == [{"family": "Ruiz", "given": ["Ana"]}]
    (procedure,) = resources(data, "Procedure")
    assert procedure["status"] == "completed"
    assert procedure["code"]["coding"][0]["code"] == "VA"
    assert procedure["performedDateTime"] == "2026-01-05"
    assert procedure["bodySite"] == [{"text": "L1"}]
    responses = resources(data, "QuestionnaireResponse")
    # h48 and d14 completed, m3 missed with an answer, m6 open; w/o m12 (still scheduled)
    assert [r["status"] for r in responses] == ["completed", "completed", "stopped", "in-progress"]
    d14 = responses[1]
    items = {i["linkId"]: i for i in d14["item"]}
    assert items["PAIN_AVG"]["answer"] == [{"valueInteger": 4}]
    assert items["MEDS"]["answer"][0]["valueCoding"]["code"] == "less"
    assert items["MEDS"]["answer"][0]["valueCoding"]["display"] == "less"
    odi = items["ODI"]
    assert "answer" not in odi and len(odi["item"]) == 10
    assert sum(i["answer"][0]["valueInteger"] for i in odi["item"]) == 15  # 30 %
    assert d14["questionnaire"].endswith("/fhir/Questionnaire/VA-d14|1")
    assert d14["authored"] == "2026-01-19T16:00:00+00:00"


def test_it_codes_odi_and_pain_observations_with_loinc(client, bob, enrollment):
    obs = resources(fetch(client, bob, enrollment), "Observation")
    by_code: dict[str, list] = {}
    for o in obs:
        by_code.setdefault(o["code"]["coding"][0]["code"], []).append(o)
    odi = by_code["97909-6"]
    assert [o["valueQuantity"]["value"] for o in odi] == [50, 30]  # baseline, d14
    assert odi[1]["valueQuantity"]["unit"] == "%" and odi[1]["valueQuantity"]["code"] == "%"
    assert odi[1]["interpretation"] == [{"text": "moderate"}]
    assert odi[1]["effectiveDateTime"] == "2026-01-19T16:00:00+00:00"
    pain = by_code["72514-3"]
    assert [o["valueQuantity"]["value"] for o in pain] == [8, 6, 5, 3]  # baseline, h48, d14, m3
    assert all(o["code"]["coding"][0]["system"] == "http://loinc.org" for o in odi + pain)
    local = {
        o["code"]["coding"][0]["code"]
        for o in obs
        if o["code"]["coding"][0]["system"] != "http://loinc.org"
    }
    assert local == {"NRS_AVG", "VAS"}  # no borrowed LOINC code for these
    assert all(o["status"] == "final" for o in obs)
    assert all(o["category"][0]["coding"][0]["code"] == "survey" for o in obs)


def test_every_reference_resolves_inside_the_bundle(client, bob, enrollment):
    data = fetch(client, bob, enrollment)
    full_urls = {e["fullUrl"] for e in data["entry"]}
    assert len(full_urls) == len(data["entry"])
    refs = []

    def walk(value):
        if isinstance(value, dict):
            if "reference" in value:
                refs.append(value["reference"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data["entry"])
    assert refs and set(refs) <= full_urls


def test_it_keeps_free_text_out_unless_asked(client, bob, enrollment):
    plain = json.dumps(fetch(client, bob, enrollment))
    assert "my back is sore" not in plain
    with_text = fetch(client, bob, enrollment, free_text="1")
    h48 = resources(with_text, "QuestionnaireResponse")[0]
    assert {
        "linkId": "ANYTHING_ELSE",
        "text": h48["item"][-1]["text"],
        "answer": [{"valueString": "my back is sore"}],
    } in h48["item"]
    Bundle.model_validate(with_text)


def test_the_export_is_audit_logged(client, bob, enrollment):
    fetch(client, bob, enrollment)
    event = AuditEvent.objects.get(action="export")
    assert (event.patient_id, event.object_type, event.object_id) == (
        enrollment.patient_id,
        "enrollment",
        str(enrollment.pk),
    )
    assert event.detail == {"format": "fhir-r4", "free_text": False}


def test_ids_are_stable_across_exports_and_bundles_differ(enrollment):
    checks = enrollment_fhir_data(enrollment=enrollment)
    t1 = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    t2 = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
    a = enrollment_bundle(
        enrollment=enrollment, checkpoints=checks, base_url="https://a.test", now=t1
    )
    b = enrollment_bundle(
        enrollment=enrollment, checkpoints=checks, base_url="https://a.test", now=t2
    )
    assert [e["fullUrl"] for e in a["entry"]] == [e["fullUrl"] for e in b["entry"]]
    assert a["id"] != b["id"]


def test_a_check_cancelled_mid_survey_keeps_its_answers_as_stopped(clinic, bob):
    e = patient_enrolled(clinic, bob, baseline_pain=5, procedure="ESI")
    record(e, "d14", status="cancelled", nrs_now=4)
    bundle = enrollment_bundle(
        enrollment=e, checkpoints=enrollment_fhir_data(enrollment=e), base_url="https://a.test"
    )
    Bundle.model_validate(bundle)
    assert [r["status"] for r in resources(bundle, "QuestionnaireResponse")] == ["stopped"]


def test_an_enrollment_without_baseline_or_answers_is_still_valid(clinic, bob):
    e = patient_enrolled(clinic, bob, procedure="ESI")
    bundle = enrollment_bundle(
        enrollment=e, checkpoints=enrollment_fhir_data(enrollment=e), base_url="https://a.test"
    )
    Bundle.model_validate(bundle)
    assert [x["resource"]["resourceType"] for x in bundle["entry"]] == ["Patient", "Procedure"]
