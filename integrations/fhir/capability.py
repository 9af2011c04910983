"""The CapabilityStatement at ``/fhir/metadata``: what this server offers, read by clients."""

from __future__ import annotations

import datetime as dt

from .questionnaires import instrument_questionnaire_ids

_PATIENT_PARAMS = [
    ("patient", "reference", "Patient/<id>"),
    ("patient.identifier", "token", "The patient's MRN: <clinic MRN system>|<MRN>"),
]
_DATE = ("date", "date", "eq/gt/ge/lt/le with a year, month, day or timestamp (UTC unless zoned)")
_UPDATED = ("_lastUpdated", "date", "When the resource last changed")
_ID = ("_id", "token", "Logical id")

SEARCH = {
    "Patient": [_ID, ("identifier", "token", "<clinic MRN system>|<MRN>, or the MRN"), _UPDATED],
    "Procedure": [_ID, *_PATIENT_PARAMS, ("date", "date", "Date performed"), _UPDATED],
    "QuestionnaireResponse": [
        _ID,
        *_PATIENT_PARAMS,
        ("authored", "date", "When the check was completed"),
        _DATE,
        _UPDATED,
    ],
    "Observation": [
        _ID,
        *_PATIENT_PARAMS,
        _DATE,
        ("code", "token", "http://loinc.org|97909-6 (ODI), http://loinc.org|72514-3 (pain NRS)"),
        _UPDATED,
    ],
    "Flag": [_ID, *_PATIENT_PARAMS, _DATE, _UPDATED],
    "Questionnaire": [_ID, ("url", "uri", "Canonical URL")],
}


def capability_statement(*, base: str) -> dict:
    resources = []
    for kind, params in SEARCH.items():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if kind == "Procedure":
            interactions.append({"code": "create"})
        extra = {}
        if kind == "Questionnaire":
            extra["documentation"] = (
                "Instruments (id <code>-<language>): "
                + ", ".join(instrument_questionnaire_ids())
                + ". Also ODI (the web form's ODI) and <procedure>-<check key> per protocol check."
            )
        resources.append(
            {
                **extra,
                "type": kind,
                "interaction": interactions,
                "searchParam": [
                    {"name": name, "type": kind_, "documentation": doc}
                    for name, kind_, doc in params
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "id": "spine-followup",
        "url": f"{base}/fhir/metadata",
        "name": "SpineFollowupFHIR",
        "title": "Spine follow-up FHIR R4 server",
        "status": "active",
        "date": dt.date.today().isoformat(),
        "kind": "instance",
        "software": {"name": "spine-followup"},
        "implementation": {"description": "Spine follow-up FHIR R4 API", "url": f"{base}/fhir"},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Paging: _count (default 50, at most 1000) and _page. "
                "Enrollment: POST a transaction Bundle (Patient + Procedure) to the base URL, or a "
                "Procedure with a contained Patient to /fhir/Procedure.",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "Basic",
                                },
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                },
                            ],
                            "text": "Token: Authorization: Token <key> (as the REST API), or "
                            "OAuth2 client credentials: POST grant_type=client_credentials to "
                            f"{base}/fhir/auth/token, then Authorization: Bearer <access_token>; "
                            "scoped to the clinics of the token's (or client's service) user",
                        }
                    ]
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
