"""The relief and diary figures on the outcome page and in the CSV (issue 23 item 6): the block
diary's verdict per block and across blocks, the SCS trial summary, and the repeat-procedure rule
as documented at each check."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle

from followup.diaries.figures import diary_figures
from followup.diaries.services import (
    diary_answer_record,
    diary_block_schedule,
    diary_scs_day_record,
    diary_scs_schedule,
)
from followup.models import DiaryEntry

from .outcomes_data import patient_enrolled, record

pytestmark = pytest.mark.django_db

CHI = zoneinfo.ZoneInfo("America/Chicago")


def chicago(day, hour, minute=0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=CHI)


def _block(enrollment, *, day, series, pains):
    """A 10:00 lidocaine block (prompts 0.5, 1, 2, 4 h, expected relief >= 1 h), answered."""
    rows = diary_block_schedule(
        enrollment=enrollment,
        block_at=chicago(day, 10),
        anaesthetic_name="lidocaine",
        series=series,
    )
    for row, pain in zip(rows, pains, strict=False):
        DiaryEntry.objects.filter(pk=row.pk).update(sent_at=row.send_at)
        diary_answer_record(
            enrollment=enrollment, text=str(pain), answered_at=row.send_at + dt.timedelta(minutes=5)
        )
    return rows


@pytest.fixture
def facet(clinic, bob):
    return patient_enrolled(
        clinic,
        bob,
        baseline_pain=8,
        procedure="FACET_SI",
        time_zone="America/Chicago",
        performed_on=dt.date(2026, 3, 2),
    )


@pytest.fixture
def scs(clinic, bob):
    e = patient_enrolled(
        clinic,
        bob,
        baseline_pain=8,
        procedure="SCS",
        time_zone="America/Chicago",
        performed_on=dt.date(2026, 3, 6),
    )
    diary_scs_schedule(enrollment=e, trial_start=dt.date(2026, 3, 6), trial_days=4)
    for day, pain, function in ((1, 4, "better"), (2, 3, "better"), (3, 3, "same")):
        diary_scs_day_record(
            enrollment=e,
            day=day,
            answered_at=chicago(6 + day - 1, 19, 30),
            pain=pain,
            reported_relief=60,
            function=function,
            meds="less",
        )
    return e


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def page(client, user, enrollment) -> str:
    client.force_login(user)
    response = client.get(f"/outcomes/enrollments/{enrollment.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# --- figures ------------------------------------------------------------------------------------


def test_two_blocks_at_80_percent_meet_medicare_together(facet):
    _block(facet, day=3, series=1, pains=[1, 1, 1, 2])  # 87.5 % through 2 h, 75 % at 4 h
    _block(facet, day=10, series=2, pains=[0, 1, 1])
    figures = diary_figures(enrollment_ids=[facet.pk])[facet.pk]
    assert [b.series for b in figures.blocks] == [1, 2]
    first = figures.blocks[0]
    assert (first.prompts, first.answered, first.anaesthetic) == (4, 4, "Lidocaine (short-acting)")
    assert first.by_rule["MBB_MEDICARE"].status == "met"
    assert figures.blocks_by_rule["MBB_MEDICARE"].status == "met"
    assert figures.blocks_by_rule["MBB_ASRA"].status == "met"
    assert figures.trial is None


def test_one_block_is_not_yet_enough_for_medicare(facet):
    _block(facet, day=3, series=1, pains=[1, 1, 1])
    figures = diary_figures(enrollment_ids=[facet.pk])[facet.pk]
    assert figures.blocks_by_rule["MBB_MEDICARE"].status == "not yet"
    assert "1 of 2 required blocks" in figures.blocks_by_rule["MBB_MEDICARE"].reason
    assert figures.blocks_by_rule["MBB_ASRA"].status == "met"


def test_a_block_without_a_baseline_cannot_be_assessed(clinic, bob):
    e = patient_enrolled(clinic, bob, procedure="FACET_SI", time_zone="America/Chicago")
    _block(e, day=3, series=1, pains=[1, 1])
    figures = diary_figures(enrollment_ids=[e.pk])[e.pk]
    assert figures.blocks[0].by_rule["MBB_MEDICARE"].status == "cannot assess"


def test_figures_of_many_enrollments_take_one_query(facet, scs, clinic, bob):
    _block(facet, day=3, series=1, pains=[1, 1])
    plain = patient_enrolled(clinic, bob)
    with CaptureQueriesContext(connection) as queries:
        figures = diary_figures(enrollment_ids=[facet.pk, scs.pk, plain.pk])
    assert len(queries) == 1
    assert set(figures) == {facet.pk, scs.pk}
    assert figures[scs.pk].trial.assessment.status == "met" and not figures[scs.pk].blocks


def test_a_second_blocks_answers_go_to_its_own_prompts(facet):
    first = _block(facet, day=3, series=1, pains=[1, 1, 1, 2])
    second = _block(facet, day=10, series=2, pains=[3, 4])
    by_pk = {r.pk: r for r in DiaryEntry.objects.filter(enrollment=facet)}
    assert [by_pk[r.pk].pain for r in first] == [1, 1, 1, 2]
    assert [by_pk[r.pk].pain for r in second] == [3, 4, None, None]


# --- the outcome page ---------------------------------------------------------------------------


def test_the_page_states_each_blocks_verdict_and_the_blocks_together(client, bob, facet):
    _block(facet, day=3, series=1, pains=[1, 1, 1, 2])
    _block(facet, day=10, series=2, pains=[6, 6])  # 25 % relief: fails at once
    html_ = page(client, bob, facet)
    card = html_.split('id="block-diary"')[1].split("</section>")[0]
    first = _text(card.split('data-block="1"')[1].split("</div>")[0])
    # the block's time in the patient's zone, not the server's
    assert "Block 1: Lidocaine (short-acting), 3 Mar 2026 10:00 (America/Chicago)" in first
    assert "4 of 4 prompts answered" in first
    assert "MBB_MEDICARE: met" in first
    second = _text(card.split('data-block="2"')[1].split("</div>")[0])
    assert "2 of 4 prompts answered" in second and "MBB_MEDICARE: not met" in second
    together = _text(
        card.split('data-rule="MBB_MEDICARE" data-scope="blocks">')[1].split("</div>")[0]
    )
    assert ": not met" in together and "block 2:" in together
    assert "Source: CMS LCD L38765" in together
    # the chart-note buttons are still there, one per block
    assert 'data-block-note="1"' in html_ and 'data-block-note="2"' in html_


def test_a_patient_without_a_block_diary_has_no_block_card(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=6)
    assert 'id="block-diary"' not in page(client, bob, e)


# --- CSV ----------------------------------------------------------------------------------------


def csv_rows(client, user) -> list[dict]:
    client.force_login(user)
    response = client.get("/outcomes/export.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_carries_the_diaries_on_every_row_of_the_enrollment(client, bob, facet, scs):
    _block(facet, day=3, series=1, pains=[1, 1, 1])
    rows = csv_rows(client, bob)
    facet_rows = [r for r in rows if r["enrollment_id"] == str(facet.pk)]
    assert facet_rows and {
        (r["block_diaries"], r["block_mbb_medicare"], r["block_mbb_asra"]) for r in facet_rows
    } == {("1", "not yet", "met")}
    assert {r["scs_trial_verdict"] for r in facet_rows} == {""}
    scs_rows = [r for r in rows if r["enrollment_id"] == str(scs.pk)]
    assert {
        (r["scs_trial_days_answered"], r["scs_trial_mean_relief"], r["scs_trial_verdict"])
        for r in scs_rows
    } == {("3", "58.3", "met")}
    assert {r["block_diaries"] for r in scs_rows} == {""}


def test_the_csv_states_the_repeat_rule_as_documented_at_each_check(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=8, procedure="ESI")
    record(e, "d14", nrs_avg=3)  # 62.5 %: holding, nothing covers 90 days yet
    record(e, "m3", nrs_avg=4)  # 50 % at day ~90: met
    by_key = {r["checkpoint"]: r for r in csv_rows(client, bob) if r["enrollment_id"] == str(e.pk)}
    assert (by_key["d14"]["relief_rule"], by_key["d14"]["relief_rule_status"]) == (
        "ESI_REPEAT",
        "not yet",
    )
    assert by_key["m3"]["relief_rule_status"] == "met"
    # the page says the same once the last check is in
    text = page(client, bob, e)
    assert "Repeat epidural steroid injection: <span" in text
    assert re.search(r'data-rule="ESI_REPEAT">.*?data-col="verdict">met<', text, re.S)
    # a check without a pain score states nothing
    assert (by_key["m6"]["relief_rule"], by_key["m6"]["relief_rule_status"]) == ("", "")


def test_the_csv_has_no_repeat_rule_for_a_procedure_without_one(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=8, procedure="VA")
    record(e, "d14", nrs_avg=3)
    rows = [r for r in csv_rows(client, bob) if r["enrollment_id"] == str(e.pk)]
    assert {r["relief_rule"] for r in rows} == {""}


# --- FHIR ---------------------------------------------------------------------------------------


def fhir(client, user, enrollment) -> dict:
    client.force_login(user)
    response = client.get(f"/outcomes/enrollments/{enrollment.pk}/fhir.json")
    assert response.status_code == 200
    bundle = response.json()
    Bundle.model_validate(bundle)
    return bundle


def observations(bundle: dict, system_tail: str) -> list[dict]:
    return [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["system"].endswith(system_tail)
    ]


def test_the_fhir_export_carries_the_block_diaries_with_rule_and_source(client, bob, facet):
    _block(facet, day=3, series=1, pains=[1, 1, 1, 2])
    _block(facet, day=10, series=2, pains=[0, 1, 1])
    bundle = fhir(client, bob, facet)
    diaries = observations(bundle, "/CodeSystem/diary")
    assert [o["code"]["coding"][0]["code"] for o in diaries] == ["block", "block", "blocks"]
    first = diaries[0]
    assert first["effectiveDateTime"].startswith("2026-03-03T")
    medicare = next(
        c for c in first["component"] if c["code"]["coding"][0]["code"] == "MBB_MEDICARE"
    )
    assert medicare["interpretation"] == [{"text": "met"}]
    assert medicare["valueQuantity"]["unit"] == "%"
    assert "Source: CMS LCD L38765" in first["note"][0]["text"]
    together = diaries[2]
    assert {
        c["code"]["coding"][0]["code"]: c["interpretation"][0]["text"]
        for c in together["component"]
    } == {
        "MBB_MEDICARE": "met",
        "MBB_ASRA": "met",
    }


def test_the_fhir_export_carries_the_trial_and_the_repeat_rule(client, bob, scs, clinic):
    trial = observations(fhir(client, bob, scs), "/CodeSystem/relief-rule")
    (obs,) = [o for o in trial if o["code"]["coding"][0]["code"] == "SCS_TRIAL"]
    assert obs["valueQuantity"]["value"] == 58.3 and obs["interpretation"] == [{"text": "met"}]
    assert "3 of 4 diary days answered" in obs["note"][0]["text"]
    esi = patient_enrolled(clinic, bob, baseline_pain=8, procedure="ESI")
    record(esi, "d14", nrs_avg=3)
    record(esi, "m3", nrs_avg=4)
    (rule,) = observations(fhir(client, bob, esi), "/CodeSystem/relief-rule")
    assert rule["code"]["coding"][0]["code"] == "ESI_REPEAT"
    assert rule["interpretation"] == [{"text": "met"}] and rule["valueQuantity"]["value"] == 50
    assert "L39240" in rule["note"][0]["text"]


def test_no_relief_observation_without_a_score_or_a_diary(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=8, procedure="ESI")
    bundle = fhir(client, bob, e)
    assert observations(bundle, "/CodeSystem/relief-rule") == []
    assert observations(bundle, "/CodeSystem/diary") == []
