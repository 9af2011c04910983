"""The patient's outcome page states relief per check and whether a repeat ESI or ablation meets
its documented-relief rule, with the rule and its source."""

from __future__ import annotations

import html
import re

import pytest

from .outcomes_data import patient_enrolled, record

pytestmark = pytest.mark.django_db


def _page(client, user, enrollment) -> str:
    client.force_login(user)
    response = client.get(f"/outcomes/enrollments/{enrollment.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _verdict(page: str, rule: str) -> str:
    block = re.search(rf'data-rule="{rule}">(.*?)</div>', page, re.S)
    assert block, rule
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(1))))


def test_a_repeat_esi_that_meets_the_rule_says_so_with_its_source(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=8, procedure="ESI")
    record(e, "d14", nrs_avg=3)
    record(e, "m3", nrs_avg=4)
    text = _verdict(_page(client, bob, e), "ESI_REPEAT")
    assert "Repeat epidural steroid injection: met" in text
    assert ">= 50 % relief sustained for at least 90 days" in text
    assert "L39240" in text


def test_a_repeat_esi_with_fading_relief_is_not_met(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=8, procedure="ESI")
    record(e, "d14", nrs_avg=2)
    record(e, "m3", nrs_avg=6)
    html = _page(client, bob, e)
    assert ": not met" in _verdict(html, "ESI_REPEAT")
    assert "25.0 % relief" in html


def test_without_a_baseline_the_page_gives_no_figure_and_the_reason(client, bob, clinic):
    e = patient_enrolled(clinic, bob, procedure="ESI")
    record(e, "d14", nrs_avg=3)
    html = _page(client, bob, e)
    assert "no figure: no pre-procedure pain score" in html
    assert "cannot assess" in _verdict(html, "ESI_REPEAT")


def test_worse_pain_shows_as_worse(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=4, procedure="ESI")
    record(e, "d14", nrs_avg=6)
    assert '<span class="worse">50.0 % worse</span>' in _page(client, bob, e)


def test_a_facet_enrollment_shows_the_repeat_ablation_rule(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=8, procedure="FACET_SI")
    record(e, "d14", nrs_avg=2)
    text = _verdict(_page(client, bob, e), "RFA_REPEAT")
    assert "not yet" in text and "six months" in text


def test_another_physicians_patient_relief_is_not_shown(client, bob, clinic, dora, other_clinic):
    e = patient_enrolled(other_clinic, dora, baseline_pain=8, procedure="ESI")
    client.force_login(bob)
    assert client.get(f"/outcomes/enrollments/{e.pk}/").status_code == 404


def test_the_csv_carries_percent_relief_with_the_edge_cases(client, bob, clinic):
    import csv
    import io

    cases = {
        "better": (8, 2, "75.0"),
        "worse": (4, 6, "-50.0"),
        "zero": (0, 3, ""),
        "none": (None, 3, ""),
    }
    ids = {}
    for name, (baseline, pain, _) in cases.items():
        e = patient_enrolled(clinic, bob, baseline_pain=baseline, procedure="ESI")
        record(e, "d14", nrs_avg=pain)
        ids[str(e.pk)] = name
    client.force_login(bob)
    text = b"".join(client.get("/outcomes/export.csv").streaming_content).decode()
    got = {
        ids[r["enrollment_id"]]: r["pain_relief_pct"]
        for r in csv.DictReader(io.StringIO(text))
        if r["checkpoint"] == "d14"
    }
    assert got == {name: expected for name, (_, _, expected) in cases.items()}
