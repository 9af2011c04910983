"""/fhir/Questionnaire serves every instrument of the registry (built by
followup/instruments/fhir.py) in each language, listed in the CapabilityStatement; all validate
with fhir.resources."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.questionnaire import Questionnaire
from rest_framework.test import APIClient

from followup.instruments.registry import INSTRUMENTS

from ..conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = "http://testserver"


def get(client, path, **params):
    response = client.get(path, params)
    return response.status_code, json.loads(response.content)


def test_every_instrument_is_served_in_each_language_and_validates(alice):
    api = token_client(alice)
    status, bundle = get(api, "/fhir/Questionnaire", _count=1000)
    assert status == 200
    Bundle.model_validate(bundle)
    ids = {e["resource"]["id"] for e in bundle["entry"]}
    wanted = {f"{c.lower().replace('_', '-')}-{lang}" for c in INSTRUMENTS for lang in ("en", "es")}
    assert {"odi-en", "ndi-es", "pgic7-en", "nrs-pain-es"} <= wanted <= ids
    for entry in bundle["entry"]:
        Questionnaire.model_validate(entry["resource"])

    status, ndi = get(api, "/fhir/Questionnaire/ndi-es")
    assert status == 200
    Questionnaire.model_validate(ndi)
    assert ndi["language"] == "es" and ndi["url"] == "http://testserver/fhir/Questionnaire/NDI"
    status, pgic5 = get(api, "/fhir/Questionnaire/pgic5-en")
    assert status == 200 and pgic5["status"] == "retired"  # kept to label stored answers
    _, odi = get(api, "/fhir/Questionnaire/odi-en")
    assert odi["code"][0] == {"system": "http://loinc.org", "code": INSTRUMENTS["ODI"].loinc}


def test_instruments_are_found_by_canonical_url(alice):
    api = token_client(alice)
    _, found = get(api, "/fhir/Questionnaire", url="http://testserver/fhir/Questionnaire/PGIC7")
    assert sorted(e["resource"]["id"] for e in found["entry"]) == ["pgic7-en", "pgic7-es"]
    status, _ = get(api, "/fhir/Questionnaire/nope-en")
    assert status == 404


def test_questionnaires_need_a_token():
    status, body = get(APIClient(), "/fhir/Questionnaire/odi-en")
    assert status in (401, 403) and body["resourceType"] == "OperationOutcome"


def test_the_capability_statement_lists_them():
    status, body = get(APIClient(), "/fhir/metadata")
    assert status == 200
    CapabilityStatement.model_validate(body)
    (q,) = [r for r in body["rest"][0]["resource"] if r["type"] == "Questionnaire"]
    for code in ("odi-en", "ndi-en", "pgic7-es", "nrs-leg-en"):
        assert code in q["documentation"]
