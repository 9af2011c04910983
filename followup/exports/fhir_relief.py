"""Relief and diary figures as FHIR R4 Observations, for the enrollment Bundle.

- The repeat-procedure rule of the procedure (ESI_REPEAT, RFA_REPEAT) read on the check scores
  like the outcome page: pain (7-day average, else pain now) on the day it was scored, in the
  patient's zone. Value: the relief that decided it (%); interpretation: the verdict.
- Each diagnostic block diary: one Observation, one component per block rule (MBB_MEDICARE,
  MBB_ASRA) with the relief that decided it and the verdict; then the blocks together.
- The SCS trial diary: mean relief (%) and the SCS_TRIAL verdict.

The rule's code, title and source are in each Observation, so a reader sees which rule was
applied and why (the reason is the note). Codes are this tracker's own code system: there is no
standard code for "documented relief against a coverage rule".
"""

from __future__ import annotations

from decimal import Decimal

from followup.diaries.figures import DiaryFigures
from followup.relief.assess import Assessment, assess_sustained
from followup.relief.rules import repeat_rules_for
from followup.selectors.outcomes import days_after

UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _percent(value: Decimal | None) -> dict | None:
    if value is None:
        return None
    number = int(value) if value == value.to_integral_value() else float(value)
    return {"value": number, "unit": "%", "system": UCUM, "code": "%"}


def _rule_code(ids, assessment: Assessment) -> dict:
    rule = assessment.rule
    return {
        "coding": [
            {
                "system": ids.system("CodeSystem/relief-rule"),
                "code": rule.code,
                "display": rule.title,
            }
        ],
        "text": rule.title,
    }


def _observation(ids, entry, key: str, *, enrollment, code: dict, effective: str, **fields):
    resource = {
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": code,
        "subject": ids.ref("Patient", enrollment.patient_id),
        "partOf": [ids.ref("Procedure", enrollment.pk)],
        "effectiveDateTime": effective,
        **fields,
    }
    return entry(ids, "Observation", key, resource)


def _rule_text(assessment: Assessment) -> str:
    rule = assessment.rule
    return f"{rule.code}: {assessment.reason}. Rule: {rule.summary}. Source: {rule.source}."


def _verdict_fields(assessment: Assessment) -> dict:
    return {
        "valueQuantity": _percent(assessment.relief),
        "interpretation": [{"text": assessment.status}],
        "note": [{"text": _rule_text(assessment)}],
    }


def _repeat_rule(ids, entry, *, enrollment, checkpoints) -> list[dict]:
    rules = repeat_rules_for(enrollment.procedure)
    if not rules:
        return []
    readings, last = [], None
    for checkpoint in checkpoints:
        scores = {s.kind: s for s in checkpoint.scores.all()}
        score = scores.get("NRS_AVG") or scores.get("NRS_NOW")
        if score is None:
            continue
        day = days_after(
            score.computed_at,
            performed_on=enrollment.performed_on,
            tz_name=enrollment.patient.time_zone,
        )
        readings.append((day, score.value))
        last = score.computed_at if last is None else max(last, score.computed_at)
    if last is None:
        return []  # nothing scored yet: no verdict to document
    out = []
    for rule in rules:
        assessment = assess_sustained(
            rule=rule, baseline=enrollment.baseline_pain, readings=readings
        )
        out.append(
            _observation(
                ids,
                entry,
                f"relief-rule/{enrollment.pk}/{rule.code}",
                enrollment=enrollment,
                code=_rule_code(ids, assessment),
                effective=last.isoformat(),
                **_verdict_fields(assessment),
            )
        )
    return out


def _components(ids, by_rule: dict[str, Assessment]) -> list[dict]:
    return [
        {
            "code": _rule_code(ids, a),
            "valueQuantity": _percent(a.relief),
            "interpretation": [{"text": a.status}],
        }
        for a in by_rule.values()
    ]


def relief_observations(ids, entry, *, enrollment, checkpoints, diary: DiaryFigures | None):
    """The Observations listed in the module docstring (``entry`` wraps a resource)."""
    out = _repeat_rule(ids, entry, enrollment=enrollment, checkpoints=checkpoints)
    if diary is None:
        return out
    for block in diary.blocks:
        out.append(
            _observation(
                ids,
                entry,
                f"block-diary/{enrollment.pk}/{block.series}",
                enrollment=enrollment,
                code={
                    "coding": [
                        {
                            "system": ids.system("CodeSystem/diary"),
                            "code": "block",
                            "display": "Diagnostic block pain diary",
                        }
                    ],
                    "text": f"Diagnostic block {block.series} pain diary ({block.anaesthetic})",
                },
                effective=block.block_at.isoformat(),
                component=_components(ids, block.by_rule),
                note=[
                    {
                        "text": f"{block.answered} of {block.prompts} prompts answered"
                        + (f" ({block.late} late)" if block.late else "")
                        + ". "
                        + " ".join(_rule_text(a) for a in block.by_rule.values())
                    }
                ],
            )
        )
    if diary.blocks:
        out.append(
            _observation(
                ids,
                entry,
                f"block-diaries/{enrollment.pk}",
                enrollment=enrollment,
                code={
                    "coding": [
                        {
                            "system": ids.system("CodeSystem/diary"),
                            "code": "blocks",
                            "display": "Diagnostic blocks together",
                        }
                    ],
                    "text": "Diagnostic blocks together against each block rule",
                },
                effective=diary.blocks[-1].block_at.isoformat(),
                component=_components(ids, diary.blocks_by_rule),
                note=[{"text": " ".join(_rule_text(a) for a in diary.blocks_by_rule.values())}],
            )
        )
    if diary.trial is not None:
        trial = diary.trial
        out.append(
            _observation(
                ids,
                entry,
                f"scs-trial/{enrollment.pk}",
                enrollment=enrollment,
                code=_rule_code(ids, trial.assessment),
                effective=enrollment.performed_on.isoformat(),
                valueQuantity=_percent(trial.mean_relief),
                interpretation=[{"text": trial.assessment.status}],
                note=[
                    {
                        "text": f"{trial.answered_days} of {trial.days} diary days answered. "
                        + _rule_text(trial.assessment)
                    }
                ],
            )
        )
    return out
