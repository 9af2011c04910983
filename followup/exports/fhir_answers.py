"""The answer[] of one stored answer in a QuestionnaireResponse, by the question's value type.

The type comes from the question (the bank's type, or the registry's for the web form's VAS),
not from the stored ``Answer.instrument`` label, so rows written before the label came from the
registry export the same. An ODI or NDI answer is a group of its answered sections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.instruments.indexes import INDEXES, DisabilityIndex
from followup.instruments.registry import answer_value_type, instrument_for_question
from followup.questions import QUESTIONS

if TYPE_CHECKING:
    from .fhir_ids import FhirIds


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def answer_values(answer, *, ids: FhirIds, free_text: bool) -> list[dict] | None:
    """FHIR answer[] for a stored answer; None when it cannot or should not be exported.

    The value type comes from the question (the bank's type, or the registry's for the web
    form's VAS), not from the stored ``instrument`` label, so rows written before the label
    came from the registry export the same way."""
    value = answer.value
    kind = answer_value_type(answer.question_code)
    if kind == "yes_no" and isinstance(value, bool):
        return [{"valueBoolean": value}]
    if kind in ("nrs", "integer") and _is_int(value):
        return [{"valueInteger": value}]
    if kind == "choice" and isinstance(value, str):
        options = {
            o["value"]: o["en"] for o in QUESTIONS.get(answer.question_code, {}).get("options", [])
        }
        coding = {
            "system": ids.system(f"CodeSystem/{answer.question_code.lower()}"),
            "code": value,
        }
        if value in options:
            coding["display"] = options[value]
        return [{"valueCoding": coding}]
    if kind == "free_text" and isinstance(value, str) and value:
        return [{"valueString": value}] if free_text else None
    return None


def index_item(answer, index: DisabilityIndex) -> dict | None:
    """An ODI or NDI answer as a group of its answered sections (linkIds ``ODI.<section>``)."""
    if not isinstance(answer.value, dict):
        return None
    items = []
    for section in index.sections:
        score = answer.value.get(section["key"])
        if _is_int(score):
            items.append(
                {
                    "linkId": f"{index.code}.{section['key']}",
                    "text": section["title"]["en"],
                    "answer": [{"valueInteger": score}],
                }
            )
    if not items:
        return None
    return {"linkId": index.code, "text": question_text(index.code), "item": items}


def question_text(code: str) -> str:
    if code in INDEXES:
        inst = instrument_for_question(code)
        return f"{inst.name} {inst.version}" if inst else code
    question = QUESTIONS.get(code)
    if question:
        return question["text"]["en"]
    inst = instrument_for_question(code)
    return inst.name if inst else code
