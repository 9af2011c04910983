"""PGIC moved to the standard 7-point scale: earlier 5-point answers are kept as answered and
shown as the 5-point version on the patient page, the cohort dashboard, the CSV and FHIR exports;
nothing converts one scale into the other."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.cache import cache

from followup.exports.fhir import enrollment_bundle
from followup.models import Answer
from followup.selectors.outcomes import enrollment_fhir_data

from .outcomes_data import patient_enrolled, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrollments(clinic, bob):
    cache.clear()
    old = patient_enrolled(clinic, bob, baseline_pain=8, first_name="Ola", last_name="Five")
    record(old, "d14", nrs_avg=4, meds="less", pgic="much_better")
    new = patient_enrolled(clinic, bob, baseline_pain=8, first_name="Nia", last_name="Seven")
    record(new, "d14", nrs_avg=3, meds="less", pgic7="much_improved")
    other = patient_enrolled(clinic, bob, baseline_pain=8, first_name="Ned", last_name="Seven")
    record(other, "d14", nrs_avg=7, meds="more", pgic7="minimally_improved")
    return {"old": old, "new": new, "other": other}


def _page(client, user, url: str, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _cell(html: str, col: str) -> str:
    match = re.search(rf'data-col="{col}">(.*?)</td>', html, re.S)
    assert match, col
    return re.sub(r"<[^>]+>", " ", match.group(1)).split()


def test_the_5_point_answer_is_kept_unchanged(enrollments):
    answer = Answer.objects.get(checkpoint__enrollment=enrollments["old"], question_code="PGIC")
    assert answer.value == "much_better"
    assert not Answer.objects.filter(
        checkpoint__enrollment=enrollments["old"], question_code="PGIC7"
    ).exists()


def test_the_patient_page_names_the_scale_of_each_answer(client, bob, enrollments):
    old = _page(client, bob, f"/outcomes/enrollments/{enrollments['old'].pk}/")
    assert " ".join(_cell(old, "pgic")) == "much better earlier 5-point scale"
    new = _page(client, bob, f"/outcomes/enrollments/{enrollments['new'].pk}/")
    assert " ".join(_cell(new, "pgic")) == "much better PGIC 7-point"


def test_the_cohort_dashboard_never_pools_the_two_scales(client, bob, enrollments):
    html = _page(client, bob, "/outcomes/")
    # 7-point: 1 of 2 "much or very much improved" (minimally improved does not count).
    assert _cell(html, "pgic7-improved") == ["50.0", "%", "of", "2"]
    assert _cell(html, "pgic-better") == ["100.0", "%", "of", "1"]


def test_the_csv_has_one_column_per_scale(client, bob, enrollments):
    client.force_login(bob)
    text = b"".join(client.get("/outcomes/export.csv").streaming_content).decode()
    rows = {
        r["enrollment_id"]: (r["pgic"], r["pgic7"])
        for r in csv.DictReader(io.StringIO(text))
        if r["checkpoint"] == "d14"
    }
    assert rows[str(enrollments["old"].pk)] == ("much_better", "")
    assert rows[str(enrollments["new"].pk)] == ("", "much_improved")


def test_the_fhir_export_codes_each_scale_in_its_own_system(enrollments):
    def coding(enrollment):
        bundle = enrollment_bundle(
            enrollment=enrollment, checkpoints=enrollment_fhir_data(enrollment=enrollment)
        )
        for entry in bundle["entry"]:
            for item in entry["resource"].get("item", []):
                if item["linkId"].startswith("PGIC"):
                    return item["linkId"], item["answer"][0]["valueCoding"]
        raise AssertionError("no PGIC item")

    link, code = coding(enrollments["old"])
    assert link == "PGIC" and code["system"].endswith("/CodeSystem/pgic")
    assert code["code"] == "much_better"
    link, code = coding(enrollments["new"])
    assert link == "PGIC7" and code["system"].endswith("/CodeSystem/pgic7")
    assert code["display"] == "much better"
