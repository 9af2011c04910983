"""The NDI and back and leg pain wherever the ODI and overall pain are: the patient's outcome page
and charts, the CSV, the cohort summary and FHIR (issue 23 item 4).

Fixture, by hand:

| patient | procedure, levels | baselines                | d14                     | m3                    |
|---------|-------------------|--------------------------|-------------------------|-----------------------|
| Nina    | ESI C5-C6         | pain 7, NDI 40           | NDI 30 (-10, MCID)      | NDI 34 (-6, no MCID)  |
| Lev     | ESI L4-L5         | pain 8, back 6, leg 8    | back 5 (-1), leg 3 (-5) | back 7 (+1, worse)    |
| Olga    | ESI L5-S1         | pain 6, ODI 40           | ODI 30 (lumbar, as before: no NDI, back or leg) |

NDI MCID is 7.5 points (Carreon 2010), with no percent rule: -6 from 40 is 15 % but not an MCID.
Back/leg pain use the pain NRS rule (2 points or 30 %): leg 8 -> 3 is; back 6 -> 5 is not.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle

from followup.conversation.finishing import scores_record
from followup.models import Answer, AnswerStatus, Checkpoint, Enrollment, Score
from followup.outcomes.mcid import MCID, change_from_baseline
from followup.selectors.outcomes.expressions import with_outcomes

from .outcomes_data import check, patient_enrolled, record

pytestmark = pytest.mark.django_db


def _baselines(enrollment, **fields) -> Enrollment:
    Enrollment.objects.filter(pk=enrollment.pk).update(**fields)
    enrollment.refresh_from_db()
    return enrollment


@pytest.fixture
def people(clinic, bob):
    nina = patient_enrolled(clinic, bob, baseline_pain=7, first_name="Nina", last_name="Neck")
    nina.levels = "C5-C6"
    nina.save(update_fields=["levels"])
    _baselines(nina, baseline_ndi=Decimal("40"))
    record(nina, "d14", nrs_avg=4, ndi=30)
    record(nina, "m3", nrs_avg=5, ndi=34)
    lev = patient_enrolled(clinic, bob, baseline_pain=8, first_name="Lev", last_name="Legg")
    _baselines(lev, baseline_back_pain=6, baseline_leg_pain=8)
    record(lev, "d14", nrs_avg=4, pain_back=5, pain_leg=3)
    record(lev, "m3", nrs_avg=6, pain_back=7)
    olga = patient_enrolled(
        clinic, bob, baseline_pain=6, baseline_odi=40, first_name="Olga", last_name="Lumbar"
    )
    record(olga, "d14", nrs_avg=3, odi=30)
    return {"nina": nina, "lev": lev, "olga": olga}


def page(client, user, enrollment) -> str:
    client.force_login(user)
    response = client.get(f"/outcomes/enrollments/{enrollment.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "value", "mcid"),
    [
        ("40", "32.5", True),  # exactly 7.5 points
        ("40", "32.6", False),
        ("20", "12.6", False),  # 37 % better, but the NDI has no percent rule
        ("0", "0", False),
        ("30", "40", False),
    ],
)
def test_the_ndi_mcid_is_7_5_points_without_a_percent_rule(baseline, value, mcid):
    change = change_from_baseline(measure="NDI", baseline=baseline, value=value)
    assert change.mcid is mcid
    assert MCID["NDI"].threshold_value(Decimal("40")) == Decimal("32.5")


def test_the_ndi_mcid_source_is_the_one_the_registry_cites():
    from followup.instruments import INSTRUMENTS

    assert "Carreon" in MCID["NDI"].source and "Carreon" in INSTRUMENTS["NDI"].mcid
    assert "7.5 points" in INSTRUMENTS["NDI"].mcid


def test_an_ndi_outside_0_100_is_refused():
    with pytest.raises(ValueError):
        change_from_baseline(measure="NDI", baseline="40", value="101")


def test_the_database_agrees_with_the_python_rule_for_ndi_back_and_leg(people):
    rows = with_outcomes(Checkpoint.objects.all()).values(
        "ndi", "base_ndi", "ndi_change", "ndi_mcid", "ndi_worse",
        "pain_back", "base_back", "back_change", "back_mcid", "back_worse",
        "pain_leg", "base_leg", "leg_change", "leg_mcid", "leg_worse",
    )  # fmt: skip
    compared = 0
    for row in rows:
        for measure, value, base, name in (
            ("NDI", "ndi", "base_ndi", "ndi"),
            ("BACK", "pain_back", "base_back", "back"),
            ("LEG", "pain_leg", "base_leg", "leg"),
        ):
            py = change_from_baseline(measure=measure, baseline=row[base], value=row[value])
            if py is None:
                assert row[f"{name}_change"] is None and row[f"{name}_mcid"] is None
                continue
            compared += 1
            assert (py.points, py.mcid, py.worse) == (
                row[f"{name}_change"],
                row[f"{name}_mcid"],
                row[f"{name}_worse"],
            )
    assert compared == 5  # NDI d14, m3; back d14, m3; leg d14


# --- the engine scores back and leg pain ------------------------------------------------------


def test_back_and_leg_answers_become_their_own_scores(clinic, bob):
    e = patient_enrolled(clinic, bob)
    cp = check(e, "d14")
    now = dt.datetime(2026, 1, 19, 16, 0, tzinfo=dt.UTC)
    for code, value in (("PAIN_BACK", 4), ("PAIN_LEG", 9), ("PAIN_NOW", 6)):
        Answer.objects.create(
            checkpoint=cp,
            question_code=code,
            instrument="",
            value=value,
            raw_text=str(value),
            answered_at=now,
            status=AnswerStatus.ANSWERED,
        )
    scores_record(checkpoint=cp, now=now)
    kinds = dict(Score.objects.filter(checkpoint=cp).values_list("kind", "value"))
    assert kinds == {"NRS_BACK": Decimal("4"), "NRS_LEG": Decimal("9"), "NRS_NOW": Decimal("6")}


# --- the patient's outcome page ---------------------------------------------------------------


def test_a_cervical_patient_page_shows_the_ndi_with_change_band_and_mcid(client, bob, people):
    html = page(client, bob, people["nina"])
    assert 'id="kpi-ndi"' in html and "NDI 40.0 % (moderate)" in html
    assert f'id="ndi-chart-{people["nina"].pk}"' in html
    assert "Neck disability (NDI) since the procedure" in html
    # d14: 30 (moderate band? 30 is in 28-48: moderate), -10.0, MCID; m3: 34, -6.0, no MCID
    assert (
        '<td class="num" data-col="ndi">30.0<br><span class="small muted">moderate</span>' in html
    )
    assert '<td class="num" data-col="ndi_change">-10.0</td>' in html
    assert '<td class="num" data-col="ndi_change">-6.0</td>' in html
    assert "NDI &ge; 7.5 points" in html
    # No ODI was asked or entered: no empty ODI chart or columns beside the NDI.
    assert 'data-col="odi"' not in html and f"odi-chart-{people['nina'].pk}" not in html
    assert 'data-col="pain_back"' not in html


def test_back_and_leg_pain_are_shown_apart_with_change_from_their_baselines(client, bob, people):
    html = page(client, bob, people["lev"])
    assert "back 6/10; leg 8/10" in html
    assert f'id="back-leg-chart-{people["lev"].pk}"' in html
    assert '<td class="num" data-col="pain_back">5.0</td>' in html
    assert '<td class="num" data-col="pain_leg">3.0</td>' in html
    # leg 8 -> 3: -5.0 (-62.5 %), MCID; back 6 -> 5: -1.0, no MCID; m3 back 7: +1.0, worse
    assert (
        '<td class="num" data-col="leg_change">-5.0<br><span class="small">(-62.5 %)</span> '
        '<span class="yes">MCID</span></td>'
    ) in html
    assert (
        '<td class="num" data-col="back_change">-1.0<br><span class="small">(-16.7 %)</span></td>'
        in html
    )
    assert '+1.0<br><span class="small">(+16.7 %)</span> <span class="worse">worse</span>' in html
    # the lumbar ODI columns stay
    assert 'data-col="odi"' in html and 'data-col="ndi"' not in html


def test_back_and_leg_pain_without_baselines_are_shown_as_answered(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=5)
    record(e, "d14", nrs_avg=4, pain_back=6, pain_leg=2)
    html = page(client, bob, e)
    assert '<td class="num" data-col="pain_back">6.0</td>' in html
    assert '<td class="num" data-col="back_change">\u2014</td>' in html
    assert "Back pain NRS 0-10. No baseline; " in html  # chart description


def test_a_lumbar_patient_page_is_unchanged(client, bob, people):
    html = page(client, bob, people["olga"])
    assert 'data-col="odi"' in html and 'id="kpi-odi"' in html
    assert "kpi-ndi" not in html and "back-leg-chart" not in html and 'data-col="ndi"' not in html


def test_the_patient_list_shows_the_latest_ndi_change_where_no_odi(client, bob, people):
    client.force_login(bob)
    html = client.get("/outcomes/patients/").content.decode()
    rows = {name: html.split(name)[1].split("</tr>")[0] for name in ("Neck, Nina", "Lumbar, Olga")}
    assert '-6.0 <span class="small muted">NDI</span>' in rows["Neck, Nina"]
    assert 'data-col="disability_change">-10.0</td>' in rows["Lumbar, Olga"]


# --- CSV ----------------------------------------------------------------------------------------


def csv_rows(client, user) -> dict:
    client.force_login(user)
    response = client.get("/outcomes/export.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return {
        (r["patient_id"], r["checkpoint"]): r
        for r in csv.DictReader(io.StringIO(text))
        if r["check_status"] == "completed"
    }


def test_the_csv_carries_ndi_and_back_and_leg_pain(client, bob, people):
    rows = csv_rows(client, bob)
    nina = rows[(str(people["nina"].patient_id), "d14")]
    assert (
        nina["baseline_ndi"],
        nina["ndi"],
        nina["ndi_band"],
        nina["ndi_change"],
        nina["ndi_change_pct"],
        nina["ndi_mcid"],
        nina["ndi_worse"],
        nina["odi"],
    ) == ("40.0", "30.0", "moderate", "-10.0", "-25.0", "1", "0", "")
    assert rows[(str(people["nina"].patient_id), "m3")]["ndi_mcid"] == "0"
    lev = rows[(str(people["lev"].patient_id), "d14")]
    assert (
        lev["baseline_back_pain_nrs"],
        lev["back_pain_nrs"],
        lev["back_pain_change"],
        lev["back_pain_mcid"],
        lev["baseline_leg_pain_nrs"],
        lev["leg_pain_nrs"],
        lev["leg_pain_change"],
        lev["leg_pain_change_pct"],
        lev["leg_pain_mcid"],
    ) == ("6.0", "5.0", "-1.0", "0", "8.0", "3.0", "-5.0", "-62.5", "1")
    lev_m3 = rows[(str(people["lev"].patient_id), "m3")]
    assert (lev_m3["back_pain_worse"], lev_m3["leg_pain_nrs"]) == ("1", "")
    olga = rows[(str(people["olga"].patient_id), "d14")]
    assert (olga["ndi"], olga["back_pain_nrs"], olga["odi"]) == ("", "", "30.0")


# --- the cohort summary -----------------------------------------------------------------------


def test_the_cohort_page_summarises_ndi_and_back_and_leg_pain(client, bob, people):
    client.force_login(bob)
    html = client.get("/outcomes/").content.decode()
    assert 'id="cohort-ndi"' in html and "cohort-ndi-chart" in html
    assert "NDI &ge; 7.5 points (Carreon et al., Spine J 2010" in html
    ndi = html.split('id="cohort-ndi"')[1].split("</section>")[0]
    # d14: one NDI change (-10, MCID); m3: one (-6, no MCID)
    d14 = ndi.split('data-key="d14"')[1].split("</tr>")[0]
    assert '<td class="num" data-col="mean">-10.0</td>' in d14
    assert '<td class="num" data-col="mcid">1/1 (100.0 %)</td>' in d14
    m3 = ndi.split('data-key="m3"')[1].split("</tr>")[0]
    assert '<td class="num" data-col="mcid">0/1 (0.0 %)</td>' in m3
    back_leg = html.split('id="cohort-back-leg"')[1].split("</section>")[0]
    assert "Back pain NRS by check" in back_leg and "Leg pain NRS by check" in back_leg
    leg = back_leg.split("<caption>Leg pain NRS by check</caption>")[1]
    assert '<td class="num" data-col="mean">-5.0</td>' in leg.split('data-key="d14"')[1]


def test_a_lumbar_cohort_gets_no_empty_ndi_or_back_leg_tables(client, bob, clinic):
    e = patient_enrolled(clinic, bob, baseline_pain=6, baseline_odi=40)
    record(e, "d14", nrs_avg=3, odi=30)
    client.force_login(bob)
    html = client.get("/outcomes/").content.decode()
    assert "cohort-ndi" not in html and "cohort-back-leg" not in html
    assert "ODI by check" in html


# --- FHIR ---------------------------------------------------------------------------------------


def test_the_fhir_export_has_ndi_and_back_and_leg_observations(client, bob, people):
    client.force_login(bob)
    nina = client.get(f"/outcomes/enrollments/{people['nina'].pk}/fhir.json").json()
    observations = [
        e["resource"] for e in nina["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    ndi = [o for o in observations if o["code"]["coding"][0]["code"] == "NDI"]
    assert sorted(o["valueQuantity"]["value"] for o in ndi) == [30, 34, 40]  # 40: the baseline
    assert {o["valueQuantity"]["unit"] for o in ndi} == {"%"}
    assert {o["interpretation"][0]["text"] for o in ndi} == {"moderate"}
    lev = client.get(f"/outcomes/enrollments/{people['lev'].pk}/fhir.json").json()
    codes = [
        e["resource"]["code"]["coding"][0]["code"]
        for e in lev["entry"]
        if e["resource"]["resourceType"] == "Observation"
    ]
    # with the baselines: back 6, 5, 7 and leg 8, 3
    assert codes.count("NRS_BACK") == 3 and codes.count("NRS_LEG") == 2
    Bundle.model_validate(lev)


# --- enrolment takes the new baselines --------------------------------------------------------


def test_the_api_takes_and_checks_the_new_baselines(api, clinic, bob):
    body = {
        "patient": {
            "first_name": "Ana",
            "last_name": "Ruiz",
            "date_of_birth": "1961-04-02",
            "mrn": "A-77",
            "phone": "+15125550177",
            "time_zone": "America/Chicago",
            "language": "en",
            "preferred_channel": "sms",
        },
        "procedure": "ESI",
        "performed_on": "2026-11-20",
        "clinic": clinic.slug,
        "physician": bob.username,
        "baseline": {"pain": 7, "ndi": 11, "back_pain": 11, "leg_pain": -1},
    }
    response = api.post("/api/v1/enrollments/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["baseline"]) == {"back_pain", "leg_pain"}
    body["baseline"] = {"pain": 7, "ndi": "44.5", "back_pain": 3, "leg_pain": 9}
    response = api.post("/api/v1/enrollments/", body, format="json")
    assert response.status_code == 201, response.content
    e = Enrollment.objects.get(pk=response.json()["id"])
    assert (e.baseline_ndi, e.baseline_back_pain, e.baseline_leg_pain) == (Decimal("44.5"), 3, 9)
    assert response.json()["baseline"]["leg_pain"] == 9


def test_the_fhir_server_serves_the_ndi_with_its_band(people, alice, settings):
    from tests.conftest import token_client

    settings.PUBLIC_BASE_URL = "http://testserver"
    api = token_client(alice)
    response = api.get(
        "/fhir/Observation",
        {"patient": str(people["nina"].patient_id)},
        HTTP_ACCEPT="application/fhir+json",
    )
    assert response.status_code == 200
    bundle = response.json()
    Bundle.model_validate(bundle)
    ndi = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["code"]["coding"][0]["code"] == "NDI"
    ]
    assert sorted(o["valueQuantity"]["value"] for o in ndi) == [30, 34]
    assert {o["interpretation"][0]["text"] for o in ndi} == {"moderate"}
