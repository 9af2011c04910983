"""Enrollment over FHIR: a transaction Bundle, or a Procedure with a contained Patient.

The FHIR resources are mapped onto the body of ``POST /api/v1/enrollments/`` and go through the
same ``EnrollmentCreateSerializer`` and ``enrollment_create``: the same validation, the same 409
for the same patient, procedure and date. Errors come back as an OperationOutcome.

Mapping (see docs/integration.md for a worked example):
- Patient.identifier with system ``<base>/fhir/clinic/<slug>/mrn`` -> MRN and clinic (a caller of
  one clinic may send any MR identifier); name[0] -> names; birthDate; telecom phone/email (the
  lowest ``rank`` decides the preferred channel); communication[0] language; the extension
  ``<base>/fhir/StructureDefinition/time-zone`` (valueCode, an IANA zone; else the clinic's).
- Procedure.code coding of ``<base>/fhir/CodeSystem/procedure`` (or any coding with one of our
  codes) -> procedure; performedDateTime / performedPeriod.start -> date; performer[0].actor
  identifier value or ``Practitioner/<username>`` -> physician; bodySite[0].text -> levels;
  identifier[0].value -> external id (the EHR's order number).
- Observations with LOINC 72514-3 (pain NRS) / 97909-6 (ODI) -> baseline.
"""

from __future__ import annotations

import json

from django.db import transaction
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from followup.api.serializers import EnrollmentCreateSerializer
from followup.services.enrollments import EnrollmentConflict
from patients.audit import audit_record
from patients.models import AuditAction, Clinic, Patient
from patients.selectors import clinics_for_user

from .resources import procedure_resource, rest_ids
from .responses import fhir_response, operation_outcome, outcome_response
from .search import LOINC

# Where each serializer field lives in FHIR, for OperationOutcome.issue.expression.
FIELD_PATHS = {
    "patient.first_name": "Patient.name.given",
    "patient.last_name": "Patient.name.family",
    "patient.date_of_birth": "Patient.birthDate",
    "patient.mrn": "Patient.identifier",
    "patient.phone": "Patient.telecom",
    "patient.email": "Patient.telecom",
    "patient.time_zone": "Patient.extension",
    "patient.language": "Patient.communication",
    "patient.preferred_channel": "Patient.telecom.rank",
    "procedure": "Procedure.code",
    "performed_on": "Procedure.performed",
    "clinic": "Patient.identifier.system",
    "physician": "Procedure.performer.actor",
    "baseline.pain": "Observation.value",
    "baseline.odi": "Observation.value",
    "levels": "Procedure.bodySite",
    "external_id": "Procedure.identifier",
}


class MappingError(ValueError):
    """The resources cannot be read as an enrollment (400)."""

    def __init__(self, message: str, expression: str = "") -> None:
        super().__init__(message)
        self.expression = expression


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _mrn_and_clinic(patient: dict, clinics) -> tuple[str, str]:
    ids = rest_ids()
    systems = {
        ids.system(f"clinic/{slug}/mrn"): slug
        for slug in Clinic.objects.values_list("slug", flat=True)
    }
    fallback = None
    for identifier in _list(patient.get("identifier")):
        identifier = _dict(identifier)
        value = identifier.get("value")
        if not isinstance(value, str) or not value:
            continue
        system = identifier.get("system", "")
        if system in systems:
            return value, systems[system]
        codes = {
            c.get("code")
            for c in _list(_dict(identifier.get("type")).get("coding"))
            if isinstance(c, dict)
        }
        if "MR" in codes and fallback is None:
            fallback = value
    if fallback is not None:
        slugs = list(clinics.values_list("slug", flat=True)[:2])
        if len(slugs) == 1:
            return fallback, slugs[0]
        raise MappingError(
            f"The MRN identifier's system must name the clinic: {ids.system('clinic/<slug>/mrn')}.",
            "Patient.identifier.system",
        )
    raise MappingError("Patient.identifier needs the MRN.", "Patient.identifier")


def _patient_data(patient: dict, *, clinic_tz: str | None) -> dict:
    name = _dict((_list(patient.get("name")) or [{}])[0])
    given = _list(name.get("given"))
    data = {
        "first_name": given[0] if given and isinstance(given[0], str) else "",
        "last_name": name.get("family", ""),
        "date_of_birth": patient.get("birthDate"),
    }
    phones = []
    emails = []
    for telecom in _list(patient.get("telecom")):
        telecom = _dict(telecom)
        rank = telecom.get("rank") if isinstance(telecom.get("rank"), int) else 99
        if telecom.get("system") in ("phone", "sms") and telecom.get("value"):
            phones.append((rank, telecom["value"]))
        elif telecom.get("system") == "email" and telecom.get("value"):
            emails.append((rank, telecom["value"]))
    phones.sort(key=lambda t: t[0])
    emails.sort(key=lambda t: t[0])
    data["phone"] = phones[0][1] if phones else ""
    data["email"] = emails[0][1] if emails else ""
    if emails and (not phones or emails[0][0] < phones[0][0]):
        data["preferred_channel"] = "email"
    else:
        data["preferred_channel"] = "sms"
    communication = _list(patient.get("communication"))
    if communication:
        codings = _list(_dict(_dict(communication[0]).get("language")).get("coding"))
        code = _dict(codings[0]).get("code") if codings else None
        if isinstance(code, str):
            data["language"] = code.split("-")[0].lower()
    tz_url = rest_ids().system("StructureDefinition/time-zone")
    zone = next(
        (
            _dict(e).get("valueCode")
            for e in _list(patient.get("extension"))
            if _dict(e).get("url") == tz_url
        ),
        None,
    )
    if zone or clinic_tz:
        data["time_zone"] = zone or clinic_tz
    return data


def _procedure_fields(procedure: dict) -> dict:
    system = rest_ids().system("CodeSystem/procedure")
    codings = [_dict(c) for c in _list(_dict(procedure.get("code")).get("coding"))]
    ours = [c for c in codings if c.get("system") == system] or codings
    code = ours[0].get("code") if ours else None
    if not isinstance(code, str) or not code:
        raise MappingError(
            "Procedure.code needs a coding with our procedure code.", "Procedure.code"
        )
    performed = procedure.get("performedDateTime") or _dict(procedure.get("performedPeriod")).get(
        "start"
    )
    if not isinstance(performed, str) or len(performed) < 10:
        raise MappingError(
            "Procedure.performedDateTime (or performedPeriod.start) is required.",
            "Procedure.performed",
        )
    actor = _dict(_dict((_list(procedure.get("performer")) or [{}])[0]).get("actor"))
    physician = _dict(actor.get("identifier")).get("value") or ""
    reference = actor.get("reference")
    if not physician and isinstance(reference, str) and reference.startswith("Practitioner/"):
        physician = reference.removeprefix("Practitioner/")
    if not physician:
        raise MappingError(
            "Procedure.performer[0].actor needs the physician's username (identifier.value).",
            "Procedure.performer.actor",
        )
    body_site = _dict((_list(procedure.get("bodySite")) or [{}])[0]).get("text", "")
    identifier = _dict((_list(procedure.get("identifier")) or [{}])[0]).get("value", "")
    return {
        "procedure": code,
        "performed_on": performed[:10],
        "physician": physician,
        "levels": body_site if isinstance(body_site, str) else "",
        "external_id": identifier if isinstance(identifier, str) else "",
    }


def _baseline(observations: list[dict]) -> dict:
    baseline = {}
    for observation in observations:
        codes = {
            _dict(c).get("code")
            for c in _list(_dict(observation.get("code")).get("coding"))
            if _dict(c).get("system") == LOINC
        }
        value = observation.get("valueInteger")
        if value is None:
            value = _dict(observation.get("valueQuantity")).get("value")
        if "72514-3" in codes:
            baseline["pain"] = value
        elif "97909-6" in codes:
            baseline["odi"] = value
    return baseline


def enrollment_body(*, patient: dict, procedure: dict, observations: list[dict], clinics) -> dict:
    """The ``POST /api/v1/enrollments/`` body these resources stand for."""
    mrn, slug = _mrn_and_clinic(patient, clinics)
    clinic = clinics.filter(slug=slug).first()
    data = _patient_data(patient, clinic_tz=clinic.time_zone if clinic else None)
    data["mrn"] = mrn
    body = {"patient": data, "clinic": slug, **_procedure_fields(procedure)}
    baseline = _baseline(observations)
    if baseline:
        body["baseline"] = baseline
    return body


def _flatten(errors, prefix: str = "") -> list[tuple[str, str, str]]:
    issues = []
    if isinstance(errors, dict):
        for key, value in errors.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            issues.extend(_flatten(value, path))
    elif isinstance(errors, list):
        for value in errors:
            if isinstance(value, dict | list):
                issues.extend(_flatten(value, prefix))
            else:
                issues.append(
                    (
                        "invalid",
                        f"{prefix}: {value}" if prefix else str(value),
                        FIELD_PATHS.get(prefix, ""),
                    )
                )
    else:
        issues.append(("invalid", str(errors), FIELD_PATHS.get(prefix, "")))
    return issues


def enroll(request: Request, body: dict):
    """(enrollment, patient_created) or an error response."""
    clinics = clinics_for_user(user=request.user)
    serializer = EnrollmentCreateSerializer(data=body, context={"clinics": clinics})
    try:
        valid = serializer.is_valid()
    except NotFound:
        return None, outcome_response("Clinic not found.", status=404, code="not-found")
    if not valid:
        return None, fhir_response(operation_outcome(_flatten(serializer.errors)), status=400)
    clinic = serializer.validated_data["clinic"]
    existed = Patient.objects.filter(clinic=clinic, mrn=body["patient"]["mrn"]).exists()
    try:
        with transaction.atomic():
            enrollment = serializer.enroll(created_by=request.user)
            audit_record(
                action=AuditAction.CREATE,
                request=request,
                patient=enrollment.patient,
                obj=enrollment,
                status_code=201,
                detail={"via": "fhir"},
            )
    except EnrollmentConflict as conflict:
        return None, fhir_response(
            operation_outcome(
                f"This patient is already enrolled for this procedure on this date: "
                f"Procedure/{conflict.existing.pk}.",
                code="duplicate",
            ),
            status=409,
            headers={"Location": f"{rest_ids().base}/fhir/Procedure/{conflict.existing.pk}"},
        )
    return (enrollment, not existed), None


def _json(request: Request) -> dict:
    try:
        body = json.loads(request.body or b"")
    except (ValueError, RecursionError):
        raise MappingError("The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise MappingError("The body must be a FHIR resource (a JSON object).")
    return body


def _reference_target(reference: str, index: dict[str, dict]) -> dict | None:
    return index.get(reference)


def enroll_from_bundle(request: Request):
    try:
        bundle = _json(request)
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "transaction":
            raise MappingError("POST a Bundle of type 'transaction' here.", "Bundle.type")
        entries = [_dict(e) for e in _list(bundle.get("entry"))]
        by_type: dict[str, list[dict]] = {}
        index = {}
        for entry in entries:
            resource = _dict(entry.get("resource"))
            kind = resource.get("resourceType")
            by_type.setdefault(kind, []).append(resource)
            if isinstance(entry.get("fullUrl"), str):
                index[entry["fullUrl"]] = resource
        unsupported = set(by_type) - {"Patient", "Procedure", "Observation"}
        if unsupported:
            raise MappingError(
                f"Unsupported resources in the Bundle: {', '.join(sorted(map(str, unsupported)))}.",
                "Bundle.entry",
            )
        if len(by_type.get("Procedure", [])) != 1 or len(by_type.get("Patient", [])) != 1:
            raise MappingError(
                "The Bundle needs exactly one Patient and one Procedure.", "Bundle.entry"
            )
        procedure = by_type["Procedure"][0]
        patient = by_type["Patient"][0]
        subject = _dict(procedure.get("subject")).get("reference")
        if subject is not None and _reference_target(subject, index) is not patient:
            raise MappingError(
                "Procedure.subject must reference the Patient of the Bundle.", "Procedure.subject"
            )
        body = enrollment_body(
            patient=patient,
            procedure=procedure,
            observations=by_type.get("Observation", []),
            clinics=clinics_for_user(user=request.user),
        )
    except MappingError as exc:
        return fhir_response(operation_outcome([("invalid", str(exc), exc.expression)]), status=400)
    result, error = enroll(request, body)
    if error is not None:
        return error
    enrollment, patient_created = result
    base = rest_ids().base
    response_bundle = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [
            {
                "response": {
                    "status": "201 Created" if patient_created else "200 OK",
                    "location": f"{base}/fhir/Patient/{enrollment.patient_id}",
                }
            },
            {
                "response": {
                    "status": "201 Created",
                    "location": f"{base}/fhir/Procedure/{enrollment.pk}",
                },
                "resource": procedure_resource(enrollment),
            },
        ],
    }
    return fhir_response(response_bundle, status=200)


def enroll_from_procedure(request: Request):
    try:
        procedure = _json(request)
        if procedure.get("resourceType") != "Procedure":
            raise MappingError("POST a Procedure here.", "Procedure")
        contained = {f"#{_dict(r).get('id')}": _dict(r) for r in _list(procedure.get("contained"))}
        subject = _dict(procedure.get("subject")).get("reference", "")
        patient = contained.get(subject)
        if patient is None or patient.get("resourceType") != "Patient":
            raise MappingError(
                'Procedure.subject must reference a contained Patient ("#<id>").',
                "Procedure.subject",
            )
        observations = [r for r in contained.values() if r.get("resourceType") == "Observation"]
        body = enrollment_body(
            patient=patient,
            procedure=procedure,
            observations=observations,
            clinics=clinics_for_user(user=request.user),
        )
    except MappingError as exc:
        return fhir_response(operation_outcome([("invalid", str(exc), exc.expression)]), status=400)
    result, error = enroll(request, body)
    if error is not None:
        return error
    enrollment, _ = result
    location = f"{rest_ids().base}/fhir/Procedure/{enrollment.pk}"
    return fhir_response(procedure_resource(enrollment), status=201, headers={"Location": location})
