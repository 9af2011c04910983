"""Questionnaire resources: one per instrument (the ODI) and one per protocol check.

A QuestionnaireResponse's ``questionnaire`` canonical is ``<base>/fhir/Questionnaire/<procedure>-
<check key>|<protocol version>`` (set by the export), so each of those resolves here. Built from
the same data the texts are sent from (``followup/questions.py``, ``followup/odi.py``, the
current protocol versions), English wording.
"""

from __future__ import annotations

from followup.instruments.fhir import instrument_questionnaire
from followup.instruments.registry import INSTRUMENTS
from followup.models import Protocol
from followup.odi import ODI_SECTIONS
from followup.questions import QUESTIONS, SUPPORTED_LANGUAGES

from .resources import rest_ids

LOINC = "http://loinc.org"
_TYPES = {"yes_no": "boolean", "nrs": "integer", "vas": "integer", "free_text": "text"}


def odi_questionnaire() -> dict:
    ids = rest_ids()
    items = []
    for section in ODI_SECTIONS:
        items.append(
            {
                "linkId": f"ODI.{section['key']}",
                "text": section["title"]["en"],
                "type": "choice",
                "answerOption": [
                    {"valueInteger": score} for score in range(len(section["statements"]))
                ],
            }
        )
    return {
        "resourceType": "Questionnaire",
        "id": "ODI",
        "url": ids.system("Questionnaire/ODI"),
        "name": "OswestryDisabilityIndex",
        "title": "Oswestry Disability Index v2.1a (ten sections scored 0-5)",
        "status": "active",
        "subjectType": ["Patient"],
        "code": [{"system": LOINC, "code": "97909-6", "display": "Oswestry Disability Index"}],
        "item": [
            {"linkId": "ODI", "text": "Oswestry Disability Index", "type": "group", "item": items}
        ],
    }


def _question_item(code: str) -> dict | None:
    if code == "ODI":
        return {
            "linkId": "ODI",
            "text": "Oswestry Disability Index v2.1a (web form)",
            "type": "group",
            "item": odi_questionnaire()["item"][0]["item"],
        }
    question = QUESTIONS.get(code)
    if question is None:
        return None
    item = {"linkId": code, "text": question["text"]["en"]}
    if question["type"] == "choice":
        item["type"] = "choice"
        item["answerOption"] = [
            {
                "valueCoding": {
                    "system": rest_ids().system(f"CodeSystem/{code.lower()}"),
                    "code": option["value"],
                    "display": option["en"],
                }
            }
            for option in question.get("options", [])
        ]
    else:
        item["type"] = _TYPES.get(question["type"], "string")
    if question.get("loinc"):
        item["code"] = [{"system": LOINC, "code": question["loinc"]}]
    return item


def check_questionnaire(protocol: Protocol, checkpoint: dict) -> dict:
    ids = rest_ids()
    canonical = f"{protocol.code}-{checkpoint['key']}"
    # FHIR ids allow no "_" (FACET_SI); the canonical URL keeps the code as the export writes it.
    qid = canonical.replace("_", ".")
    items = [item for item in map(_question_item, checkpoint.get("questions", [])) if item]
    return {
        "resourceType": "Questionnaire",
        "id": qid,
        "url": ids.system(f"Questionnaire/{canonical}"),
        "version": str(protocol.version),
        "name": canonical.replace("-", "_"),
        "title": f"{protocol.name}: {checkpoint.get('label', checkpoint['key'])}",
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def instrument_questionnaires() -> list[dict]:
    """Each instrument of the registry (ODI, NDI, PGIC7, NRS…) in each language, built by
    ``followup/instruments/fhir.py``; ids ``<code>-<lang>`` (``odi-en``, ``pgic7-es``)."""
    return [
        instrument_questionnaire(code, lang)
        for code in sorted(INSTRUMENTS)
        for lang in SUPPORTED_LANGUAGES
    ]


def instrument_questionnaire_ids() -> list[str]:
    return [q["id"] for q in instrument_questionnaires()]


def all_questionnaires() -> list[dict]:
    """The ODI, each instrument per language, then each current protocol's checks, in a stable
    order. The ``ODI`` one (linkIds ``ODI.<section>``) is what the QuestionnaireResponses of the
    web form point to; the instruments' are the registry's versioned, bilingual definitions."""
    out = [odi_questionnaire(), *instrument_questionnaires()]
    for protocol in Protocol.objects.filter(is_current=True).order_by("code"):
        for checkpoint in protocol.definition.get("checkpoints", []):
            out.append(check_questionnaire(protocol, checkpoint))
    return out


def questionnaire_by_id(qid: str) -> dict | None:
    return next((q for q in all_questionnaires() if q["id"] == qid), None)
