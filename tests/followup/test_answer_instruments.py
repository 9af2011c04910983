"""Answer.instrument comes from the instrument registry, the same for SMS and the web form, and the
FHIR export of every instrument follows the question, not the stored label (issue 23 item 4)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from fhir.resources.R4B.bundle import Bundle

from followup.answers import answer_write
from followup.exports.fhir import enrollment_bundle
from followup.instruments import (
    INSTRUMENTS,
    answer_value_type,
    instrument_for,
    instrument_problems,
)
from followup.instruments.ndi import NDI_SECTION_KEYS
from followup.models import Answer, AnswerStatus
from followup.questions import QUESTIONS
from followup.selectors.outcomes import enrollment_fhir_data

from .outcomes_data import check, odi_sections, patient_enrolled

NOW = dt.datetime(2026, 2, 1, 16, 0, tzinfo=dt.UTC)


def test_every_question_of_the_bank_and_the_web_form_has_an_instrument():
    assert instrument_problems() == []
    for code in [*QUESTIONS, "VAS"]:
        assert instrument_for(code) in INSTRUMENTS, code
    assert instrument_for("PAIN_NOW") == instrument_for("PAIN_AVG") == "NRS_PAIN"
    assert instrument_for("PGIC") == "PGIC5" and instrument_for("PGIC7") == "PGIC7"
    assert instrument_for("RF_FEVER") == "RED_FLAGS"
    assert instrument_for("BH_DXA") == "BONE_HEALTH"
    assert instrument_for("ANYTHING_ELSE") == "COMMENT"
    # A screen item added later by prefix is labelled without editing the registry.
    assert instrument_for("RF_SOMETHING_NEW") == "RED_FLAGS"


def test_a_question_added_without_an_instrument_is_named(monkeypatch):
    from followup import questions

    monkeypatch.setitem(questions.QUESTIONS, "NEW_ITEM", {"code": "NEW_ITEM", "type": "nrs"})
    assert instrument_problems() == ["NEW_ITEM: no instrument in the registry"]


def test_an_unknown_question_gets_an_empty_label_not_an_error():
    assert instrument_for("NOT_A_QUESTION") == ""
    assert answer_value_type("NOT_A_QUESTION") == ""


def test_every_instrument_code_fits_the_answer_column():
    width = Answer._meta.get_field("instrument").max_length
    assert all(len(code) <= width for code in INSTRUMENTS)


@pytest.mark.django_db
def test_the_one_writer_labels_the_answer_from_the_registry(clinic, bob):
    enrollment = patient_enrolled(clinic, bob, procedure="ESI")
    cp = check(enrollment, "d14")
    for code, value in (("PAIN_NOW", 4), ("RF_FEVER", False), ("NDI", {"pain_intensity": 2})):
        answer_write(
            checkpoint=cp,
            code=code,
            raw=str(value),
            value=value,
            status=AnswerStatus.ANSWERED,
            attempts=1,
            now=NOW,
        )
    labels = dict(cp.answers.values_list("question_code", "instrument"))
    assert labels == {"PAIN_NOW": "NRS_PAIN", "RF_FEVER": "RED_FLAGS", "NDI": "NDI"}


# --- FHIR: one answer of every instrument -----------------------------------------------------

# question code -> (value stored, the answer[] the QuestionnaireResponse must carry)
ANSWERS = {
    "PAIN_NOW": (6, [{"valueInteger": 6}]),
    "PAIN_BACK": (5, [{"valueInteger": 5}]),
    "PAIN_LEG": (7, [{"valueInteger": 7}]),
    "VAS": (55, [{"valueInteger": 55}]),
    "MEDS": ("less", "MEDS"),
    "PGIC": ("a_little_better", "PGIC"),
    "PGIC7": ("much_improved", "PGIC7"),
    "RF_FEVER": (False, [{"valueBoolean": False}]),
    "BH_DXA": (True, [{"valueBoolean": True}]),
    "TA_IMAGING": (True, [{"valueBoolean": True}]),
    "ANYTHING_ELSE": ("sore today", [{"valueString": "sore today"}]),
}


def _answer(cp, code, value, label):
    Answer.objects.create(
        checkpoint=cp,
        question_code=code,
        instrument=label,
        value=value,
        raw_text=str(value),
        answered_at=NOW,
        status=AnswerStatus.ANSWERED,
    )


def _bundle(enrollment, *, free_text=True) -> dict:
    bundle = enrollment_bundle(
        enrollment=enrollment,
        checkpoints=enrollment_fhir_data(enrollment=enrollment),
        free_text=free_text,
        base_url="https://tracker.example",
        now=NOW,
    )
    Bundle.model_validate(json.loads(json.dumps(bundle, default=str)))
    return bundle


def _items(bundle, cp) -> dict[str, dict]:
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "QuestionnaireResponse" and resource["identifier"][
            "value"
        ] == str(cp.pk):
            return {item["linkId"]: item for item in resource["item"]}
    raise AssertionError("no QuestionnaireResponse for the check")


def _enrollment_with_every_instrument(clinic, bob, *, label) -> tuple:
    enrollment = patient_enrolled(clinic, bob, procedure="ESI")
    cp = check(enrollment, "d14")
    for code, (value, _) in ANSWERS.items():
        _answer(cp, code, value, label(code))
    _answer(cp, "ODI", odi_sections(40), label("ODI"))
    m3 = check(enrollment, "m3")
    _answer(m3, "NDI", odi_sections(30, NDI_SECTION_KEYS), label("NDI"))
    for c in (cp, m3):
        c.status = "completed"
        c.completed_at = NOW
        c.save(update_fields=["status", "completed_at"])
    return enrollment, cp, m3


OLD_LABELS = {
    "yes_no": "yes_no",
    "nrs": "nrs",
    "choice": "choice",
    "free_text": "free_text",
    "web_form": "web_form",
    "integer": "vas",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "label",
    [
        pytest.param(instrument_for, id="registry labels"),
        # Rows written before the migration (and the ODI rows the web form wrote as "odi"):
        # the export reads the question, so they export the same.
        pytest.param(lambda code: OLD_LABELS[answer_value_type(code)], id="old type labels"),
        pytest.param(lambda code: code.lower(), id="old web-form labels"),
    ],
)
def test_the_fhir_export_carries_every_instrument(clinic, bob, label):
    enrollment, cp, m3 = _enrollment_with_every_instrument(clinic, bob, label=label)
    items = _items(_bundle(enrollment), cp)
    for code, (value, expected) in ANSWERS.items():
        item = items[code]
        if isinstance(expected, str):  # a choice: its own code system, one per version
            (coding,) = [a["valueCoding"] for a in item["answer"]]
            assert coding["code"] == value
            assert coding["system"].endswith(f"/fhir/CodeSystem/{expected.lower()}")
        else:
            assert item["answer"] == expected, code
    odi = items["ODI"]
    assert odi["text"].startswith("Oswestry Disability Index")
    assert sum(i["answer"][0]["valueInteger"] for i in odi["item"]) == 20
    assert {i["linkId"].split(".")[0] for i in odi["item"]} == {"ODI"}
    ndi = _items(_bundle(enrollment), m3)["NDI"]
    assert ndi["text"].startswith("Neck Disability Index")
    assert len(ndi["item"]) == 10
    assert {i["linkId"] for i in ndi["item"]} == {f"NDI.{k}" for k in NDI_SECTION_KEYS}
    assert sum(i["answer"][0]["valueInteger"] for i in ndi["item"]) == 15


@pytest.mark.django_db
def test_the_fhir_export_leaves_free_text_out_unless_asked(clinic, bob):
    enrollment, cp, _ = _enrollment_with_every_instrument(clinic, bob, label=instrument_for)
    items = _items(_bundle(enrollment, free_text=False), cp)
    assert "ANYTHING_ELSE" not in items and "PAIN_NOW" in items


@pytest.mark.django_db
def test_the_fhir_export_skips_a_value_of_the_wrong_type(clinic, bob):
    enrollment = patient_enrolled(clinic, bob, procedure="ESI")
    cp = check(enrollment, "d14")
    _answer(cp, "PAIN_NOW", "six", "NRS_PAIN")  # never written by the parsers; not guessed at
    _answer(cp, "RF_FEVER", 1, "RED_FLAGS")
    _answer(cp, "NDI", ["not", "a", "dict"], "NDI")
    _answer(cp, "PAIN_AVG", 3, "NRS_PAIN")
    cp.status = "completed"
    cp.save(update_fields=["status"])
    assert set(_items(_bundle(enrollment), cp)) == {"PAIN_AVG"}


# --- the data migration ----------------------------------------------------------------------

MIGRATION = ("followup", "0011_answer_instrument_from_registry")
BEFORE = ("followup", "0010_safety_screens_text_labels_shadow")


@pytest.mark.django_db(transaction=True)
def test_the_migration_relabels_stored_answers_and_reverses(clinic, bob):
    enrollment = patient_enrolled(clinic, bob, procedure="ESI")
    cp = check(enrollment, "d14")
    old = {
        "PAIN_NOW": "nrs",
        "PAIN_LEG": "nrs",
        "PGIC": "choice",
        "PGIC7": "choice",
        "RF_FEVER": "yes_no",
        "BH_DXA": "yes_no",
        "ODI": "odi",
        "NDI": "ndi",
        "VAS": "vas",
        "ANYTHING_ELSE": "free_text",
        "SOMETHING_LOCAL": "nrs",  # not in the frozen table: left as it was
    }
    for code, label in old.items():
        _answer(cp, code, 1, label)
    values_before = dict(cp.answers.values_list("question_code", "value"))

    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    executor.loader.build_graph()
    executor.migrate([MIGRATION])
    labels = dict(cp.answers.values_list("question_code", "instrument"))
    expected = {code: instrument_for(code) for code in old}
    expected["SOMETHING_LOCAL"] = "nrs"
    assert labels == expected
    assert labels["PGIC"] == "PGIC5"  # the earlier scale keeps its own version
    assert dict(cp.answers.values_list("question_code", "value")) == values_before

    executor.loader.build_graph()
    executor.migrate([BEFORE])
    assert dict(cp.answers.values_list("question_code", "instrument")) == old
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
