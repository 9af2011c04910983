"""Thermometer and glucose-meter readings in a patient's text, as concept mentions (issue 21).

``data/readings.yaml`` says which words and units make a number a temperature or a blood sugar,
and which concept a reading at or above each line stands for. A reading becomes a lexicon-like
:class:`~followup.screening.lexicon.Hit` (its evidence runs from the word to the number:
"temp 101", "azucar me salio en 380"), so the assertion layer denies, resolves or attributes it
like any symptom word. Readings below the fever line are handled by the engine (a thermometer
beats the word "fever").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .lexicon import Doc, Hit, load_yaml

_NUMBER = re.compile(r"([0-9]+(?:[.,][0-9]+)?)(s?)$")  # "38,5", "100.4", "300s" (in the 300s)


@dataclass(frozen=True)
class Readers:
    temp_words: frozenset[str]
    temp_units: frozenset[str]
    temp_window: int
    temp_after: int
    not_temp_units: frozenset[str]
    celsius: tuple[float, float]
    fahrenheit: tuple[float, float]
    temp_concept: str
    low_grade: dict[str, float]
    low_grade_concept: str
    sugar_words: frozenset[str]
    sugar_window: int
    mg: frozenset[str]
    mmol: frozenset[str]
    mmol_to_mg: float
    mmol_below: float
    sugar_levels: tuple[tuple[float, str], ...]
    usual_words: frozenset[str]
    usual_factor: float
    usual_concept: str


@cache
def readers() -> Readers:
    data = load_yaml("readings.yaml")
    t, s = data["temperature"], data["blood_sugar"]
    return Readers(
        temp_words=frozenset(w for lang in ("en", "es") for w in t["words"][lang]),
        temp_units=frozenset(t["units"]),
        temp_window=int(t["window"]),
        temp_after=int(t["after"]),
        not_temp_units=frozenset(t["not_units"]),
        celsius=(float(t["celsius"][0]), float(t["celsius"][1])),
        fahrenheit=(float(t["fahrenheit"][0]), float(t["fahrenheit"][1])),
        temp_concept=str(t["concept"]),
        low_grade={k: float(t["low_grade"][k]) for k in ("celsius", "fahrenheit")},
        low_grade_concept=str(t["low_grade"]["concept"]),
        sugar_words=frozenset(w for lang in ("en", "es") for w in s["words"][lang]),
        sugar_window=int(s["window"]),
        mg=frozenset(s["units_mg"]),
        mmol=frozenset(s["units_mmol"]),
        mmol_to_mg=float(s["mmol_to_mg"]),
        mmol_below=float(s["mmol_below"]),
        sugar_levels=tuple(
            sorted(((float(x["at"]), str(x["concept"])) for x in s["levels"]), reverse=True)
        ),
        usual_words=frozenset(w for lang in ("en", "es") for w in s["usual"]["words"][lang]),
        usual_factor=float(s["usual"]["factor"]),
        usual_concept=str(s["usual"]["concept"]),
    )


def value_of(token: str) -> tuple[float, bool] | None:
    """The number a token holds and whether it has a decimal part, or None."""
    m = _NUMBER.match(token)
    if m is None:
        return None
    text = m.group(1)
    return float(text.replace(",", ".")), ("." in text or "," in text)


def _word_before(doc: Doc, i: int, words: frozenset[str], window: int) -> int | None:
    """Index of the nearest of ``words`` up to ``window`` tokens before ``i`` in its sentence."""
    for j in range(i - 1, max(-1, i - 1 - window), -1):
        tok = doc.tokens[j].text
        if tok in ".!?;\n":
            return None
        if tok in words:
            return j
    return None


def _word_after(doc: Doc, i: int, words: frozenset[str], window: int) -> int | None:
    """Index of the nearest of ``words`` up to ``window`` tokens after ``i`` in its sentence."""
    for j in range(i + 1, min(len(doc.tokens), i + 1 + window)):
        tok = doc.tokens[j].text
        if tok in ".!?;\n":
            return None
        if tok in words:
            return j
    return None


def _unit_after(doc: Doc, i: int, units: frozenset[str]) -> bool:
    return i + 1 < len(doc.tokens) and doc.tokens[i + 1].text in units


def temperature_hits(doc: Doc, line: dict[str, float]) -> list[Hit]:
    """Temperatures at or above the fever line, as mentions of the fever concept; low-grade ones
    (between ``low_grade`` and the fever line), as mentions of the low-grade concept."""
    r = readers()
    hits = []
    for i, tok in enumerate(doc.tokens):
        if not tok.text[0].isdigit():
            continue
        parsed = value_of(tok.text)
        if parsed is None:
            continue
        value, decimal = parsed
        if r.celsius[0] <= value < r.celsius[1]:
            scale = "celsius"
        elif r.fahrenheit[0] <= value < r.fahrenheit[1]:
            scale = "fahrenheit"
        else:
            continue
        fever = value >= line[scale]
        low = not fever and value >= r.low_grade[scale]
        if not (fever or low) or _unit_after(doc, i, r.not_temp_units):
            continue
        word = _word_before(doc, i, r.temp_words, r.temp_window)
        after = _word_after(doc, i, r.temp_words, r.temp_after)
        if word is None and after is None and not (decimal or _unit_after(doc, i, r.temp_units)):
            continue
        first = i if word is None else word
        last = i if after is None or word is not None else after
        concept = r.temp_concept if fever else r.low_grade_concept
        hits.append(Hit(concept, f"reading {tok.text}", first, last, exact=True))
    return hits


def sugar_hits(doc: Doc) -> list[Hit]:
    """Blood-sugar readings at or above a level of ``readings.yaml``, as that level's concept;
    and a reading at least ``usual.factor`` times the usual value the patient gives ("sugar
    250, usually 110"), as ``usual.concept``."""
    r = readers()
    hits = []
    usual = _usual_sugar(doc, r)
    for i, tok in enumerate(doc.tokens):
        if not tok.text[0].isdigit():
            continue
        parsed = value_of(tok.text)
        if parsed is None:
            continue
        value, _decimal = parsed
        word = _word_before(doc, i, r.sugar_words, r.sugar_window)
        mmol = _unit_after(doc, i, r.mmol)
        if word is None and not (mmol or _unit_after(doc, i, r.mg)):
            continue
        if mmol or (not _unit_after(doc, i, r.mg) and value < r.mmol_below):
            value *= r.mmol_to_mg
        first = i if word is None else word
        for at, concept in r.sugar_levels:
            if value >= at:
                hits.append(Hit(concept, f"reading {tok.text}", first, i, exact=True))
                break
        if usual and i not in usual and value >= r.usual_factor * min(usual.values()):
            hits.append(Hit(r.usual_concept, f"reading {tok.text}", first, i, exact=True))
    return hits


def _usual_sugar(doc: Doc, r: Readers) -> dict[int, float]:
    """Token index -> value of the numbers said to be the patient's usual ("usually 110")."""
    out = {}
    for i, tok in enumerate(doc.tokens):
        if tok.text in r.usual_words:
            for j in range(i + 1, min(len(doc.tokens), i + 4)):
                parsed = value_of(doc.tokens[j].text)
                if parsed is not None and parsed[0] > 0:
                    out[j] = parsed[0]
                    break
    return out
