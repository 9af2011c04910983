"""An enrollment as a FHIR R4 Bundle of type "collection".

Contents: the Patient; the Procedure; one QuestionnaireResponse per check that reached the
patient (open -> in-progress, completed -> completed, missed -> stopped); one Observation per
score (ODI LOINC 97909-6, pain now LOINC 72514-3; NDI, back and leg pain in this tracker's code
system) and per baseline entered at enrollment; the relief verdicts (repeat-procedure rule,
block and trial diaries: ``fhir_relief.py``). The 7-day average NRS and the VAS have no LOINC
code we could vouch for, so they carry this tracker's own code system and a plain-text name
rather than a borrowed code.

References inside the bundle are ``urn:uuid:`` full URLs (UUID 5 from the record's id, so the
same record always gets the same UUID across exports). Free-text answers are left out unless
``free_text`` is asked for, like the CSV.

Built as plain dicts (no FHIR library at run time); the tests validate the output with
``fhir.resources``. fhir.resources 8 ships R4B, not R4; for the resources used here R4B is
structurally identical to R4 (R4B changed medication-definition, evidence and subscription
resources only).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from followup.diaries.figures import DiaryFigures
from followup.instruments.indexes import INDEXES
from followup.instruments.ndi import ndi_band
from followup.instruments.registry import answer_value_type
from followup.odi import odi_band
from followup.outcomes.timeline import checkpoint_label, procedure_names

from .fhir_answers import answer_values, index_item, question_text
from .fhir_ids import FhirIds
from .fhir_relief import relief_observations

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
LOINC_ODI_SCORE = "97909-6"
LOINC_PAIN_NRS = "72514-3"

QR_STATUS = {"open": "in-progress", "completed": "completed", "missed": "stopped"}
BANDS = {"ODI": odi_band, "NDI": ndi_band}


def _base_url() -> str:
    from django.conf import settings

    return settings.PUBLIC_BASE_URL


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _number(value: Decimal | int | float) -> float | int:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _entry(ids: FhirIds, kind: str, key: object, resource: dict) -> dict:
    resource = {"resourceType": kind, "id": ids.uuid(kind, key), **resource}
    return {"fullUrl": f"urn:uuid:{resource['id']}", "resource": _clean(resource)}


def _clean(value):
    """Drop empty values: FHIR forbids empty strings, arrays and objects."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_clean(v) for v in value) if v not in (None, "", [], {})]
    return value


def build_patient(ids: FhirIds, enrollment) -> dict:
    patient = enrollment.patient
    return _entry(
        ids,
        "Patient",
        patient.pk,
        {
            "identifier": [
                {
                    "use": "usual",
                    "type": {"coding": [{"system": V2_0203, "code": "MR"}]},
                    "system": ids.system(f"clinic/{enrollment.clinic.slug}/mrn"),
                    "value": patient.mrn,
                }
            ],
            "name": [{"family": patient.last_name, "given": [patient.first_name]}],
            "birthDate": _iso(patient.date_of_birth),
            "communication": [
                {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]}}
            ],
        },
    )


def build_procedure(ids: FhirIds, enrollment) -> dict:
    name = procedure_names().get(enrollment.procedure, enrollment.procedure)
    physician = enrollment.physician
    return _entry(
        ids,
        "Procedure",
        enrollment.pk,
        {
            "identifier": [{"system": ids.system("enrollment"), "value": str(enrollment.pk)}],
            "status": "completed",
            "code": {
                "coding": [
                    {
                        "system": ids.system("CodeSystem/procedure"),
                        "code": enrollment.procedure,
                        "display": name,
                    }
                ],
                "text": name,
            },
            "subject": ids.ref("Patient", enrollment.patient_id),
            "performedDateTime": _iso(enrollment.performed_on),
            "performer": [
                {"actor": {"display": physician.get_full_name() or physician.get_username()}}
            ],
            "bodySite": [{"text": enrollment.levels}] if enrollment.levels else [],
        },
    )


def build_questionnaire_response(
    ids: FhirIds, enrollment, checkpoint, *, status: str, free_text: bool
) -> dict:
    items = []
    answered = [a for a in checkpoint.answers.all() if a.status == "answered"]
    for answer in sorted(answered, key=lambda a: (a.answered_at, a.pk)):
        if answer_value_type(answer.question_code) == "web_form":
            index = INDEXES.get(answer.question_code)
            item = index_item(answer, index) if index else None
            if item:
                items.append(item)
            continue
        values = answer_values(answer, ids=ids, free_text=free_text)
        if values:
            items.append(
                {
                    "linkId": answer.question_code,
                    "text": question_text(answer.question_code),
                    "answer": values,
                }
            )
    authored = checkpoint.completed_at or (
        max(a.answered_at for a in answered) if answered else checkpoint.opened_at
    )
    return _entry(
        ids,
        "QuestionnaireResponse",
        checkpoint.pk,
        {
            "identifier": {"system": ids.system("checkpoint"), "value": str(checkpoint.pk)},
            "questionnaire": ids.system(f"Questionnaire/{enrollment.procedure}-{checkpoint.key}")
            + f"|{enrollment.protocol.version}",
            "partOf": [ids.ref("Procedure", enrollment.pk)],
            "status": status,
            "subject": ids.ref("Patient", enrollment.patient_id),
            "authored": _iso(authored),
            "item": items,
        },
    )


def build_observation(
    ids: FhirIds,
    key: str,
    *,
    enrollment,
    code: dict,
    value,
    unit: str,
    ucum: str,
    effective: str,
    derived_from: str | None = None,
    note: str = "",
    band: str = "",
) -> dict:
    return _entry(
        ids,
        "Observation",
        key,
        {
            "status": "final",
            "category": [
                {"coding": [{"system": OBS_CATEGORY, "code": "survey", "display": "Survey"}]}
            ],
            "code": code,
            "subject": ids.ref("Patient", enrollment.patient_id),
            "partOf": [ids.ref("Procedure", enrollment.pk)],
            "effectiveDateTime": effective,
            "valueQuantity": {"value": _number(value), "unit": unit, "system": UCUM, "code": ucum},
            "interpretation": [{"text": band}] if band else [],
            "derivedFrom": [ids.ref("QuestionnaireResponse", derived_from)] if derived_from else [],
            "note": [{"text": note}] if note else [],
        },
    )


def score_code(ids: FhirIds, kind: str) -> tuple[dict, str, str]:
    """(code, unit, UCUM code) for a score kind."""
    if kind == "ODI":
        return (
            {
                "coding": [
                    {
                        "system": LOINC,
                        "code": LOINC_ODI_SCORE,
                        "display": "Oswestry Disability Index score",
                    }
                ],
                "text": "Oswestry Disability Index (%)",
            },
            "%",
            "%",
        )
    if kind == "NRS_NOW":
        return (
            {
                "coding": [
                    {
                        "system": LOINC,
                        "code": LOINC_PAIN_NRS,
                        "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
                    }
                ],
                "text": "Pain now (NRS 0-10)",
            },
            "{score}",
            "{score}",
        )
    local = {
        "NDI": "Neck Disability Index (%)",
        "NRS_BACK": "Back pain now (NRS 0-10)",
        "NRS_LEG": "Leg pain now (NRS 0-10)",
        "NRS_AVG": "Average pain over the past 7 days (NRS 0-10)",
        "VAS": "Pain, visual analogue scale (0-100)",
    }
    text = local.get(kind, kind)
    unit = "%" if kind == "NDI" else "{score}"
    return (
        {
            "coding": [{"system": ids.system("CodeSystem/score"), "code": kind, "display": text}],
            "text": text,
        },
        unit,
        unit,
    )


def enrollment_bundle(
    *,
    enrollment,
    checkpoints,
    free_text: bool = False,
    base_url: str | None = None,
    now: dt.datetime | None = None,
    diary: DiaryFigures | None = None,
) -> dict:
    """The Bundle as a JSON-ready dict. ``checkpoints`` carry prefetched answers and scores;
    ``diary`` (``followup/diaries/figures.py``) adds the diaries' relief verdicts."""
    ids = FhirIds((base_url or _base_url()).rstrip("/"))
    now = now or dt.datetime.now(dt.UTC)
    entries = [build_patient(ids, enrollment), build_procedure(ids, enrollment)]
    # The baselines staff entered at enrollment, one Observation each.
    for kind, value, text in (
        ("NRS_NOW", enrollment.baseline_pain, "Baseline pain before the procedure (NRS 0-10)"),
        ("ODI", enrollment.baseline_odi, ""),
        ("NDI", enrollment.baseline_ndi, ""),
        ("NRS_BACK", enrollment.baseline_back_pain, "Baseline back pain (NRS 0-10)"),
        ("NRS_LEG", enrollment.baseline_leg_pain, "Baseline leg pain (NRS 0-10)"),
    ):
        if value is None:
            continue
        code, unit, ucum = score_code(ids, kind)
        # Pain now and ODI keep the keys of earlier exports, so their UUIDs do not change.
        key = {"NRS_NOW": "pain", "ODI": "odi"}.get(kind, kind.lower())
        entries.append(
            build_observation(
                ids,
                f"baseline-{key}/{enrollment.pk}",
                enrollment=enrollment,
                code={**code, "text": text} if text else code,
                value=value,
                unit=unit,
                ucum=ucum,
                effective=_iso(enrollment.performed_on),
                note="Pre-procedure baseline, recorded at enrollment",
                band=BANDS[kind](value) if kind in BANDS else "",
            )
        )
    for checkpoint in checkpoints:
        answered = any(a.status == "answered" for a in checkpoint.answers.all())
        # A check withdrawn part-way keeps its answers: "stopped", like a missed one.
        status = QR_STATUS.get(checkpoint.status) or ("stopped" if answered else None)
        if status is None:
            continue  # never sent (scheduled, skipped) or cancelled before any answer
        entries.append(
            build_questionnaire_response(
                ids, enrollment, checkpoint, status=status, free_text=free_text
            )
        )
        label = checkpoint.label or checkpoint_label(checkpoint.key)
        for score in sorted(checkpoint.scores.all(), key=lambda s: s.kind):
            code, unit, ucum = score_code(ids, score.kind)
            entries.append(
                build_observation(
                    ids,
                    f"score/{score.pk}",
                    enrollment=enrollment,
                    code=code,
                    value=score.value,
                    unit=unit,
                    ucum=ucum,
                    effective=_iso(score.computed_at),
                    derived_from=checkpoint.pk,
                    note=label,
                    band=BANDS[score.kind](score.value) if score.kind in BANDS else "",
                )
            )
    entries += relief_observations(
        ids, _entry, enrollment=enrollment, checkpoints=checkpoints, diary=diary
    )
    return {
        "resourceType": "Bundle",
        "id": ids.uuid("Bundle", f"enrollment/{enrollment.pk}/{now.isoformat()}"),
        "meta": {"lastUpdated": now.isoformat()},
        "identifier": {"system": ids.system("bundle"), "value": f"enrollment-{enrollment.pk}"},
        "type": "collection",
        "timestamp": now.isoformat(),
        "entry": entries,
    }
