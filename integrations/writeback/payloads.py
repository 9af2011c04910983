"""What is written back: FHIR R4 transaction Bundles of conditional creates.

A completed check: its QuestionnaireResponse and one Observation per score. A red flag: a Flag.
The EHR does not know our ids, so the patient is referenced by the clinic's MRN identifier and
the procedure by our enrollment identifier (``Reference.identifier``); every resource carries
our identifier and is created with ``ifNoneExist`` on it, so a resend creates nothing twice.
"""

from __future__ import annotations

from followup.models import Checkpoint, Flag, Score

from ..fhir.resources import (
    flag_resource,
    mrn_system,
    observation_resource,
    questionnaire_response_resource,
    rest_ids,
)


def _patient_ref(patient) -> dict:
    return {"identifier": {"system": mrn_system(patient.clinic.slug), "value": patient.mrn}}


def _relink(resource: dict, *, patient, enrollment_id: int | None) -> dict:
    ids = rest_ids()
    resource = dict(resource)
    resource.pop("id", None)
    resource.pop("meta", None)
    resource["subject"] = _patient_ref(patient)
    if "partOf" in resource and enrollment_id is not None:
        resource["partOf"] = [
            {"identifier": {"system": ids.system("enrollment"), "value": str(enrollment_id)}}
        ]
    if "derivedFrom" in resource:
        resource["derivedFrom"] = [
            {
                "identifier": {
                    "system": ids.system("checkpoint"),
                    "value": ref["reference"].split("/")[-1],
                }
            }
            for ref in resource["derivedFrom"]
        ]
    return resource


def _entry(resource: dict, *, system: str, value: str) -> dict:
    return {
        "resource": resource,
        "request": {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier={system}|{value}",
        },
    }


def check_bundle(checkpoint: Checkpoint) -> dict:
    """``checkpoint`` with enrollment (patient, clinic, protocol) and answers prefetched."""
    ids = rest_ids()
    enrollment = checkpoint.enrollment
    patient = enrollment.patient
    qr = _relink(
        questionnaire_response_resource(checkpoint), patient=patient, enrollment_id=enrollment.pk
    )
    entries = [_entry(qr, system=ids.system("checkpoint"), value=str(checkpoint.pk))]
    scores = Score.objects.filter(checkpoint=checkpoint).select_related("checkpoint__enrollment")
    for score in scores.order_by("pk"):
        observation = _relink(
            observation_resource(score), patient=patient, enrollment_id=enrollment.pk
        )
        value = f"score-{score.pk}"
        observation["identifier"] = [{"system": ids.system("observation"), "value": value}]
        entries.append(_entry(observation, system=ids.system("observation"), value=value))
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def flag_bundle(flag: Flag) -> dict:
    ids = rest_ids()
    resource = _relink(flag_resource(flag), patient=flag.patient, enrollment_id=None)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [_entry(resource, system=ids.system("flag"), value=str(flag.pk))],
    }
