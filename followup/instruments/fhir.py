"""A FHIR R4 ``Questionnaire`` for each instrument of the registry, in English or Spanish.

Plain dicts like ``followup/exports/fhir.py`` (no FHIR library at run time); the tests validate
them with ``fhir.resources``. NRS items are integers bounded with the standard ``minValue`` /
``maxValue`` extensions; choice items carry ``answerOption.valueCoding`` in the tracker's own code
system (the same ``{base}/fhir/CodeSystem/{question}`` the QuestionnaireResponse export uses), and
index sections (ODI, NDI) add the ``ordinalValue`` extension so a reader can score them.
"""

from __future__ import annotations

from django.conf import settings

from followup.odi import ODI_SECTIONS
from followup.questions import QUESTIONS, normalize_language

from .ndi import NDI_SECTIONS
from .registry import INSTRUMENTS, Instrument

EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue"
EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue"
EXT_ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
LOINC = "http://loinc.org"


def _system(name: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/fhir/{name}"


def _question_item(code: str, lang: str) -> dict:
    question = QUESTIONS[code]
    # The SMS text ends with its reply instructions; the stem alone is the item text, the options
    # are structured below.
    text = question["text"][lang]
    item: dict = {"linkId": code, "text": text, "required": False}
    if question.get("loinc"):
        item["code"] = [{"system": LOINC, "code": question["loinc"]}]
    if question["type"] == "nrs":
        item["type"] = "integer"
        item["extension"] = [
            {"url": EXT_MIN, "valueInteger": question["min"]},
            {"url": EXT_MAX, "valueInteger": question["max"]},
        ]
    elif question["type"] == "yes_no":
        item["type"] = "boolean"
    elif question["type"] == "free_text":
        item["type"] = "text"
    elif question["type"] == "choice":
        item["type"] = "choice"
        item["text"] = text.split(" Reply ")[0].split(" Responda ")[0]
        item["answerOption"] = [
            {
                "valueCoding": {
                    "system": _system(f"CodeSystem/{code.lower()}"),
                    "code": option["value"],
                    "display": option[lang],
                }
            }
            for option in question["options"]
        ]
    else:  # pragma: no cover - every bank type is handled above
        raise ValueError(f"{code}: no Questionnaire item for type {question['type']}")
    return item


_VAS_TEXT = {
    "en": "Your pain right now, from 0 (no pain) to 100 (worst pain imaginable)",
    "es": "Su dolor ahora, de 0 (nada) a 100 (el peor dolor imaginable)",
}


def _vas_item(lang: str) -> dict:
    """The web form's 0-100 slider (not in the SMS bank: it needs a screen)."""
    return {
        "linkId": "VAS",
        "text": _VAS_TEXT[lang],
        "type": "integer",
        "required": False,
        "extension": [
            {"url": EXT_MIN, "valueInteger": 0},
            {"url": EXT_MAX, "valueInteger": 100},
        ],
    }


def _index_items(prefix: str, sections: tuple[dict, ...], lang: str) -> list[dict]:
    return [
        {
            "linkId": f"{prefix}.{section['key']}",
            "text": section["title"][lang],
            "type": "choice",
            "required": False,
            "answerOption": [
                {
                    "valueCoding": {
                        "system": _system(f"CodeSystem/{prefix.lower()}-{section['key']}"),
                        "code": str(score),
                        "display": statement[lang],
                    },
                    "extension": [{"url": EXT_ORDINAL, "valueDecimal": score}],
                }
                for score, statement in enumerate(section["statements"])
            ],
        }
        for section in sections
    ]


def instrument_questionnaire(code: str, language: str = "en") -> dict:
    """The Questionnaire resource (a dict) of instrument ``code`` in ``language``."""
    try:
        inst: Instrument = INSTRUMENTS[code]
    except KeyError:
        raise KeyError(f"unknown instrument {code!r}") from None
    lang = normalize_language(language)
    if code == "ODI":
        items = _index_items("ODI", ODI_SECTIONS, lang)
    elif code == "NDI":
        items = _index_items("NDI", NDI_SECTIONS, lang)
    elif code == "VAS":
        items = [_vas_item(lang)]
    else:
        codes = list(inst.question_codes) + [
            q for q in QUESTIONS if any(q.startswith(p) for p in inst.question_prefixes)
        ]
        items = [_question_item(q, lang) for q in codes]
    resource: dict = {
        "resourceType": "Questionnaire",
        "id": f"{code.lower().replace('_', '-')}-{lang}",
        "url": _system(f"Questionnaire/{code}"),
        "version": inst.version,
        "name": code.replace("_", ""),
        "title": inst.name,
        "status": "active" if inst.current else "retired",
        "language": lang,
        "subjectType": ["Patient"],
        "description": f"Scoring: {inst.scoring} Source: {inst.source}",
        "copyright": inst.licence,
        "item": items,
    }
    if inst.loinc:
        resource["code"] = [{"system": LOINC, "code": inst.loinc}]
    return resource
