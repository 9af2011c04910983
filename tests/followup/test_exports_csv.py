"""Cohort CSV: documented columns, one row per patient-checkpoint, no PHI unless asked, audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from followup.exports.csv import COLUMNS, cell, csv_columns, csv_lines
from patients.models import AuditEvent

from .outcomes_data import flag, patient_enrolled, record, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows_by_key(client, clinic, bob):
    e = patient_enrolled(
        clinic,
        bob,
        baseline_pain=7,
        baseline_odi=36,
        mrn="MRN-CSV-1",
        first_name="Ana",
        last_name="Oyarzabal-Ruiz",
    )
    record(
        e,
        "d14",
        nrs_now=6,
        nrs_avg=5,
        vas=48,
        odi=26,
        meds="less",
        pgic="a_little_better",
        text='=HYPERLINK("http://x") feeling ok',
    )
    flag(e, "ROUTINE", "TEXT_REVIEW")
    flag(e, "URGENT", "WOUND")
    set_status(e, "m3", "missed")
    client.force_login(bob)
    return e, client


def read(response) -> list[dict]:
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_writes_one_row_per_patient_checkpoint_with_the_figures(rows_by_key):
    enrollment, client = rows_by_key
    response = client.get("/outcomes/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="outcomes-')
    rows = read(response)
    assert [r["checkpoint"] for r in rows] == ["d14", "m3", "m6", "m12"]
    d14 = rows[0]
    expected = {
        "checkpoint": "d14",
        "enrollment_id": str(enrollment.pk),
        "patient_id": str(enrollment.patient_id),
        "clinic": "spine-austin",
        "procedure": "ESI",
        "physician": "bob",
        "physician_name": enrollment.physician.get_full_name(),
        "performed_on": "2026-01-05",
        "enrollment_status": "active",
        "target_date": "2026-01-19",
        "check_status": "completed",
        "due": "1",
        "responded": "1",
        "completed_at": "2026-01-19T16:00:00+00:00",
        "baseline_pain_nrs": "7.0",
        "baseline_odi": "36.0",
        "pain_now_nrs": "6.0",
        "pain_avg_nrs": "5.0",
        "pain_vas": "48.0",
        "pain_primary": "5.0",
        "pain_change": "-2.0",
        "pain_change_pct": "-28.6",
        "pain_relief_pct": "28.6",
        "pain_mcid": "1",
        "pain_responder_50": "0",
        "pain_worse": "0",
        "odi": "26.0",
        "odi_band": "moderate",
        "odi_change": "-10.0",
        "odi_change_pct": "-27.8",
        "odi_mcid": "1",
        "odi_worse": "0",
        "meds": "less",
        "meds_label": "less",
        "pgic": "a_little_better",
        "pgic_label": "a little better",
        "pgic7": "",
        "pgic7_label": "",
        "flags": "2",
        "highest_flag_tier": "URGENT",
    }
    # Not asked at this check, no baseline entered: the NDI and the back and leg pain columns
    # are there and empty.
    expected |= {
        name: ""
        for name in [
            "baseline_ndi",
            "ndi",
            "ndi_band",
            "ndi_change",
            "ndi_change_pct",
            "ndi_mcid",
            "ndi_worse",
            "baseline_back_pain_nrs",
            "back_pain_nrs",
            "back_pain_change",
            "back_pain_change_pct",
            "back_pain_mcid",
            "back_pain_worse",
            "baseline_leg_pain_nrs",
            "leg_pain_nrs",
            "leg_pain_change",
            "leg_pain_change_pct",
            "leg_pain_mcid",
            "leg_pain_worse",
        ]
    }
    # ESI: the repeat-ESI rule as documented at d14 (5 from 7 is 28.6 %, below 50 %); no diary.
    expected |= {
        "relief_rule": "ESI_REPEAT",
        "relief_rule_status": "not met",
        "block_diaries": "",
        "block_mbb_medicare": "",
        "block_mbb_asra": "",
        "scs_trial_days_answered": "",
        "scs_trial_mean_relief": "",
        "scs_trial_verdict": "",
    }
    assert d14 == expected
    m3 = rows[1]
    assert (
        m3["check_status"],
        m3["due"],
        m3["responded"],
        m3["pain_change"],
        m3["pain_mcid"],
        m3["flags"],
        m3["highest_flag_tier"],
    ) == ("missed", "1", "0", "", "", "0", "")
    assert (rows[2]["check_status"], rows[2]["due"]) == ("scheduled", "0")


def test_it_leaves_out_names_mrn_and_free_text_unless_asked(rows_by_key):
    _, client = rows_by_key
    response = client.get("/outcomes/export.csv")
    text = b"".join(response.streaming_content).decode()
    # A surname no factory draws: the physician's (random) name is in the export and could be "Ruiz".
    assert "Oyarzabal" not in text and "MRN-CSV-1" not in text and "HYPERLINK" not in text
    rows = read(client.get("/outcomes/export.csv", {"free_text": "1", "identifiers": "1"}))
    assert rows[0]["mrn"] == "MRN-CSV-1"
    # The free text starts with "=": quoted so a spreadsheet shows it instead of running it.
    assert rows[0]["anything_else"] == '\'=HYPERLINK("http://x") feeling ok'
    assert rows[1]["anything_else"] == ""


def test_the_export_is_audit_logged_per_clinic_with_its_options(rows_by_key, clinic):
    _, client = rows_by_key
    read(client.get("/outcomes/export.csv", {"free_text": "1", "checkpoint": "d14"}))
    event = AuditEvent.objects.get(action="export")
    assert (event.clinic_id, event.username, event.object_type) == (
        clinic.pk,
        "bob",
        "outcomes_csv",
    )
    assert event.detail["rows"] == 1
    assert event.detail["free_text"] is True and event.detail["identifiers"] is False
    assert event.detail["filters"]["checkpoint"] == "d14"


def test_the_filters_apply_to_the_export(rows_by_key):
    _, client = rows_by_key
    assert [
        r["checkpoint"] for r in read(client.get("/outcomes/export.csv", {"checkpoint": "m3"}))
    ] == ["m3"]
    assert read(client.get("/outcomes/export.csv", {"procedure": "VA"})) == []


def test_every_column_is_documented_and_optional_ones_are_opt_in():
    assert all(c.description for c in COLUMNS)
    assert len({c.name for c in COLUMNS}) == len(COLUMNS)
    names = [c.name for c in csv_columns()]
    assert "mrn" not in names and "anything_else" not in names
    assert "mrn" in [c.name for c in csv_columns(identifiers=True)]
    assert "anything_else" in [c.name for c in csv_columns(free_text=True)]


@pytest.mark.parametrize(
    "value,expected",
    [
        (None, ""),
        (True, "1"),
        (False, "0"),
        (Decimal("-2.0"), "-2.0"),
        (3, "3"),
        (dt.date(2026, 1, 5), "2026-01-05"),
        ("less", "less"),
        ("-1 worse", "'-1 worse"),
        ("+cmd", "'+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
    ],
)
def test_it_writes_cells_plainly_and_defuses_formulas(value, expected):
    assert cell(value) == expected


def test_csv_lines_quote_commas_and_end_lines_with_crlf():
    columns = [c for c in COLUMNS if c.name in ("checkpoint", "meds")]
    lines = list(csv_lines([{"key": "d14", "meds": "a, b"}], columns=columns))
    assert lines == ["checkpoint,meds\r\n", 'd14,"a, b"\r\n']
