"""Thermometer and glucose-meter readings read by the concept engine (``readings.py``, issue 21).

Every word and unit of ``data/readings.yaml`` is exercised here in the direction that matters;
the engine is asked directly (``engine.read`` + ``engine.decide``), without the phrase floor.
Pure Python: ``pytest -p no:django --noconftest tests/followup/test_screening_readings.py``.
"""

from __future__ import annotations

import pytest

from followup.screening import engine, readings
from followup.screening.lexicon import load_yaml

DATA = load_yaml("readings.yaml")


def codes(text: str, procedure: str | None = None) -> dict[str, str]:
    _doc, mentions, facts = engine.read(text)
    return {o.code: o.tier for o in engine.decide(mentions, facts, procedure, None)}


def concepts(text: str) -> set[str]:
    _doc, mentions, _facts = engine.read(text)
    return {m.concept for m in mentions if m.assertion.affirmed}


@pytest.mark.parametrize(
    "word", [w for lang in ("en", "es") for w in DATA["temperature"]["words"][lang]]
)
def test_each_temperature_word_makes_a_number_a_reading(word):
    assert "FEVER" in concepts(f"my back is ok, {word} 101 tonight")
    assert "FEVER" not in concepts("my back is ok, 101 tonight")  # a bare integer is not


@pytest.mark.parametrize("unit", DATA["temperature"]["units"])
def test_each_temperature_unit_makes_a_number_a_reading(unit):
    value = "39" if unit in ("c", "celsius", "grados") else "102"
    assert "FEVER" in concepts(f"it says {value} {unit} this morning")


@pytest.mark.parametrize(
    ("text", "fever"),
    [
        ("temp 101", True),
        ("my temp is 100.4", True),  # exactly the line
        ("my temp is 100.3", False),
        ("temperatura 38,6", True),
        ("temperatura 37,9", False),
        ("had 100.9 last night", True),  # a decimal in the fever range needs no word
        ("thermometer says 38.4", True),
        ("I've been running 101-102 since last night", True),
        ("fever of 101", True),
        ("temp 99.1, feeling fine", False),
        ("pain 8 of 10, walked 102 steps", False),
        ("my sugar was 101.5 mg", False),  # a unit of sugar is not a temperature
        ("no fever, temp 98.6", False),
        ("tengo 39 de fiebre", True),
        # The word after the number, up to two words after it ("temperatura" is no symptom).
        ("tengo 39 de temperatura", True),
        ("tengo 39 hoy y luego la temperatura", False),
    ],
)
def test_it_reads_temperatures_against_the_fever_line(text, fever):
    assert ("FEVER" in codes(text)) is fever, text


@pytest.mark.parametrize("unit", DATA["temperature"]["not_units"])
def test_a_number_with_another_unit_is_not_a_temperature(unit):
    assert "FEVER" not in codes(f"it was 101.5 {unit} yesterday"), unit
    assert "FEVER" in codes("it was 101.5 yesterday")


def test_a_denied_or_resolved_reading_does_not_count():
    assert "FEVER" not in concepts("no 101 since yesterday")
    assert "FEVER" not in concepts("I had a temp of 102 on Monday, it went away")


def test_the_evidence_runs_from_the_word_to_the_number():
    doc, mentions, _ = engine.read("Hi! My temperature went up to 38.7 last night")
    fever = [m for m in mentions if m.concept == "FEVER"]
    assert fever[0].evidence == "temperature went up to 38.7"


@pytest.mark.parametrize(
    "word", [w for lang in ("en", "es") for w in DATA["blood_sugar"]["words"][lang]]
)
def test_each_sugar_word_makes_a_number_a_reading(word):
    assert "SUGAR_VERY_HIGH" in concepts(f"my {word} was 389 after lunch")
    assert "SUGAR_VERY_HIGH" not in concepts("my pain was 389 after lunch")


@pytest.mark.parametrize(
    ("text", "procedure", "urgent"),
    [
        ("blood sugar 310", "VA", True),  # 300+: any procedure
        ("blood sugar 299", "VA", False),
        ("blood sugar 260", "ESI", True),  # 250+ after a steroid injection
        ("blood sugar 249", "ESI", False),
        ("glucosa de 350", None, True),
        ("el azucar me salio en 380", "SCS", True),
        ("glucose in the 300s since the epidural", "ESI", True),
        ("sugar 15.2 mmol this morning", "VA", False),  # 274 mg/dL: ESI only
        ("sugar 15.2 mmol this morning", "ESI", True),
        ("sugar 17 this morning", "VA", True),  # no unit, under 35: mmol/L (306 mg/dL)
        ("it read 320 mg", "VA", True),  # a unit alone makes it a sugar
        ("it read 17.5 mmol", "VA", True),
        ("it read 17.5", "VA", False),
        ("sugar was fine, 120", "ESI", False),
    ],
)
def test_it_reads_blood_sugar_against_its_levels(text, procedure, urgent):
    assert (codes(text, procedure).get("ESI_SUGAR") == "URGENT") is urgent, text


@pytest.mark.parametrize("token", ["38,5", "100.4", "300s", "7"])
def test_it_reads_numbers_as_patients_write_them(token):
    value, _decimal = readings.value_of(token)
    assert value == float(token.rstrip("s").replace(",", "."))
    assert readings.value_of("abc") is None


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("temp 37.8", "LOW_GRADE_TEMP"),
        ("temp 100.3", "LOW_GRADE_TEMP"),
        ("temp 37.4", None),
        ("temp 99.4", None),
        ("temp 38.0", "FEVER"),
        # A felt fever under the line is a low-grade note, not the fever rule.
        ("feels like a fever but the thermometer says 99.0", "LOW_GRADE_TEMP"),
    ],
)
def test_it_reads_low_grade_temperatures_as_a_note(text, concept):
    found = concepts(text) & {"LOW_GRADE_TEMP", "FEVER"}
    assert found == ({concept} if concept else set()), text
    if concept == "LOW_GRADE_TEMP":
        assert codes(text, "ESI") == {"UNCLASSIFIED_SYMPTOM": "ROUTINE"}


@pytest.mark.parametrize(
    "word", [w for lang in ("en", "es") for w in DATA["blood_sugar"]["usual"]["words"][lang]]
)
def test_each_usual_word_makes_twice_the_usual_sugar_urgent(word):
    assert codes(f"sugar 250, {word} 110", "VA").get("ESI_SUGAR") == "URGENT"
    assert codes(f"sugar 200, {word} 110", "VA").get("ESI_SUGAR") is None  # under twice


def test_a_raised_sugar_below_the_urgent_line_is_a_note():
    assert codes("sugar was 180 this morning", "ESI") == {"UNCLASSIFIED_SYMPTOM": "ROUTINE"}
    assert codes("sugar was 170 this morning", "ESI") == {}
