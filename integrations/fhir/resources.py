"""Single FHIR R4 resources with REST ids, built by the export's own builders.

``followup/exports/fhir.py`` builds a download Bundle whose references are ``urn:uuid:``s. The
API serves the same resources one by one, so it hands those builders an id scheme that yields
REST ids (``Patient/12``) instead: one mapping from our rows to FHIR, not two that drift apart.

Ids: Patient = patient id; Procedure = enrollment id; QuestionnaireResponse = checkpoint id;
Observation = ``score-<score id>``; Flag = flag id; Questionnaire = ``ODI`` or
``<procedure>-<check key>`` (the canonical a QuestionnaireResponse points to).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.conf import settings

from followup.exports.fhir import (
    BANDS,
    QR_STATUS,
    FhirIds,
    build_observation,
    build_patient,
    build_procedure,
    build_questionnaire_response,
    score_code,
)
from followup.models import Checkpoint, Enrollment, Flag, Score
from followup.outcomes.timeline import checkpoint_label
from patients.models import Patient

FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"


class RestIds(FhirIds):
    """The export's id scheme with REST ids: ``Kind/<id>`` references, ids valid in FHIR."""

    def uuid(self, kind: str, key: object) -> str:
        return str(key).replace("/", "-")

    def ref(self, kind: str, key: object) -> dict:
        return {"reference": f"{kind}/{self.uuid(kind, key)}"}


def rest_ids() -> RestIds:
    return RestIds(settings.PUBLIC_BASE_URL.rstrip("/"))


def mrn_system(slug: str) -> str:
    """The identifier system of a clinic's MRNs (the same as the export's)."""
    return rest_ids().system(f"clinic/{slug}/mrn")


def _with_meta(resource: dict, updated: dt.datetime | dt.date | None) -> dict:
    if isinstance(updated, dt.datetime):
        resource["meta"] = {"lastUpdated": updated.isoformat()}
    return resource


def patient_resource(patient: Patient) -> dict:
    holder = SimpleNamespace(patient=patient, clinic=patient.clinic)
    resource = build_patient(rest_ids(), holder)["resource"]
    return _with_meta(resource, patient.updated_at)


def enrollment_updated(enrollment: Enrollment) -> dt.datetime:
    return enrollment.withdrawn_at or enrollment.created_at


def procedure_resource(enrollment: Enrollment) -> dict:
    resource = build_procedure(rest_ids(), enrollment)["resource"]
    if enrollment.status == "withdrawn":
        # Follow-up stopped, the procedure itself still happened: a note, not a status change.
        resource["note"] = [{"text": "Follow-up withdrawn"}]
    return _with_meta(resource, enrollment_updated(enrollment))


def questionnaire_response_resource(checkpoint: Checkpoint) -> dict:
    """``checkpoint`` carries its enrollment (with protocol) and prefetched answers."""
    resource = build_questionnaire_response(
        rest_ids(),
        checkpoint.enrollment,
        checkpoint,
        status=QR_STATUS.get(checkpoint.status, "stopped"),
        free_text=False,
    )["resource"]
    return _with_meta(resource, checkpoint.completed_at)


def observation_resource(score: Score) -> dict:
    """``score`` carries its checkpoint and the checkpoint's enrollment."""
    ids = rest_ids()
    checkpoint = score.checkpoint
    code, unit, ucum = score_code(ids, score.kind)
    resource = build_observation(
        ids,
        f"score/{score.pk}",
        enrollment=checkpoint.enrollment,
        code=code,
        value=score.value,
        unit=unit,
        ucum=ucum,
        effective=score.computed_at.isoformat(),
        derived_from=checkpoint.pk,
        note=checkpoint.label or checkpoint_label(checkpoint.key),
        band=BANDS[score.kind](score.value) if score.kind in BANDS else "",  # ODI and NDI
    )["resource"]
    return _with_meta(resource, score.computed_at)


def flag_status(flag: Flag) -> str:
    escalation = flag.escalation
    if escalation is not None and escalation.status == "resolved":
        return "inactive"
    return "active"


def flag_resource(flag: Flag) -> dict:
    """A red flag: the rule's reason and tier; the patient's own words (evidence) stay out."""
    ids = rest_ids()
    resource = {
        "resourceType": "Flag",
        "id": str(flag.pk),
        "identifier": [{"system": ids.system("flag"), "value": str(flag.pk)}],
        "status": flag_status(flag),
        "category": [
            {"coding": [{"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}]}
        ],
        "code": {
            "coding": [{"system": ids.system("CodeSystem/red-flag-rule"), "code": flag.rule_code}],
            "text": f"{flag.tier}: {flag.reason}",
        },
        "subject": {"reference": f"Patient/{flag.patient_id}"},
        "period": {"start": flag.created_at.isoformat()},
        "extension": [
            {
                "url": ids.system("StructureDefinition/red-flag-tier"),
                "valueCode": flag.tier,
            }
        ],
    }
    if flag.escalation is not None and flag.escalation.resolved_at is not None:
        resource["period"]["end"] = flag.escalation.resolved_at.isoformat()
    return _with_meta(resource, flag.created_at)
