"""The outcome pages: who sees what, what the pages say, and queries that do not grow with n."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup.models import Escalation
from followup.selectors.outcomes import cached
from patients.models import AuditEvent, Role
from tests.factories import MembershipFactory, UserFactory

from .outcomes_data import escalation, flag, patient_enrolled, record, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def erin(clinic):
    return MembershipFactory(
        user=UserFactory(username="erin"), clinic=clinic, role=Role.PHYSICIAN
    ).user


@pytest.fixture
def frank(clinic):
    """A clinic admin of bob's clinic."""
    return MembershipFactory(
        user=UserFactory(username="frank"), clinic=clinic, role=Role.CLINIC_ADMIN
    ).user


@pytest.fixture
def patients(clinic, other_clinic, bob, erin, dora):
    mine = patient_enrolled(
        clinic, bob, baseline_pain=8, baseline_odi=50, first_name="Ana", last_name="Ruiz"
    )
    record(mine, "d14", nrs_now=5, nrs_avg=4, odi=30, vas=45, meds="less", pgic="much_better")
    record(mine, "m3", nrs_avg=7, odi=52, meds="more")
    flag(mine, "URGENT", "WOUND", reason="Wound redness, swelling or drainage")
    escalation(
        mine,
        "URGENT",
        created_at=dt.datetime(2026, 1, 19, 16, 6, tzinfo=dt.UTC),
        ack_after=dt.timedelta(minutes=12),
        kind="WOUND",
        reason="Wound redness, swelling or drainage",
    )
    no_base = patient_enrolled(clinic, bob, first_name="Noel", last_name="Base")
    record(no_base, "d14", nrs_avg=3)
    theirs = patient_enrolled(clinic, erin, baseline_pain=6, first_name="Eve", last_name="Other")
    record(theirs, "d14", nrs_avg=2)
    abroad = patient_enrolled(
        other_clinic, dora, baseline_pain=6, first_name="Dee", last_name="Far"
    )
    return {"mine": mine, "no_base": no_base, "theirs": theirs, "abroad": abroad}


def grant_clinic_outcomes(user) -> None:
    user.user_permissions.add(
        Permission.objects.get(codename="view_clinic_outcomes", content_type__app_label="followup")
    )


def get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


# --- scope ------------------------------------------------------------------------------------
def test_it_sends_anonymous_users_to_sign_in(client):
    response = client.get("/outcomes/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_refuses_a_user_with_no_clinic_role(client):
    stranger = UserFactory(username="stranger")
    assert get(client, stranger, "/outcomes/").status_code == 403


def test_a_physician_sees_their_own_patients_only(client, bob, patients):
    assert get(client, bob, f"/outcomes/enrollments/{patients['mine'].pk}/").status_code == 200
    assert get(client, bob, f"/outcomes/enrollments/{patients['theirs'].pk}/").status_code == 404
    assert get(client, bob, f"/outcomes/enrollments/{patients['abroad'].pk}/").status_code == 404
    listing = get(client, bob, "/outcomes/patients/").content.decode()
    assert "Ruiz" in listing and "Base" in listing
    assert "Other" not in listing and "Far" not in listing


def test_the_permission_widens_a_physician_to_the_clinic_not_beyond(client, bob, patients):
    grant_clinic_outcomes(bob)
    assert get(client, bob, f"/outcomes/enrollments/{patients['theirs'].pk}/").status_code == 200
    assert get(client, bob, f"/outcomes/enrollments/{patients['abroad'].pk}/").status_code == 404
    assert "Other" in get(client, bob, "/outcomes/patients/").content.decode()


def test_a_clinic_admin_sees_the_whole_clinic(client, frank, patients):
    assert get(client, frank, f"/outcomes/enrollments/{patients['theirs'].pk}/").status_code == 200
    assert get(client, frank, f"/outcomes/enrollments/{patients['mine'].pk}/").status_code == 200
    assert get(client, frank, f"/outcomes/enrollments/{patients['abroad'].pk}/").status_code == 404
    page = get(client, frank, "/outcomes/").content.decode()
    assert 'id="kpi-enrollments">3<' in page


def test_nobody_sees_another_clinic(client, dora, bob, clinic, patients):
    assert get(client, dora, f"/outcomes/enrollments/{patients['mine'].pk}/").status_code == 404
    assert (
        get(client, dora, f"/outcomes/enrollments/{patients['mine'].pk}/fhir.json").status_code
        == 404
    )
    assert get(client, dora, "/outcomes/", clinic=clinic.pk).status_code == 404
    assert get(client, dora, "/outcomes/export.csv", clinic=clinic.pk).status_code == 404
    assert get(client, dora, "/outcomes/", clinic="abc").status_code == 404
    csv_text = b"".join(get(client, dora, "/outcomes/export.csv").streaming_content).decode()
    assert csv_text.count("\r\n") == 1 + 4  # header + dora's own patient's four checks


def test_a_triage_nurse_gets_an_explanation_not_data(client, alice, patients):
    response = get(client, alice, "/outcomes/")
    assert response.status_code == 200
    assert "You have no patients in view" in response.content.decode()
    assert get(client, alice, f"/outcomes/enrollments/{patients['mine'].pk}/").status_code == 404


# --- content ----------------------------------------------------------------------------------
def test_the_trend_page_shows_change_mcid_band_and_events(client, bob, patients):
    page = get(client, bob, f"/outcomes/enrollments/{patients['mine'].pk}/").content.decode()
    # d14: pain 8 -> 4 (-4.0, -50.0 %, MCID and responder); ODI 50 -> 30 (-20.0, -40.0 %)
    assert '-4.0<br><span class="small">(-50.0 %)</span>' in page
    assert '-20.0<br><span class="small">(-40.0 %)</span>' in page
    # m3 is the latest: pain 7 (-1.0, -12.5 %, no MCID); ODI 52 (+2.0, worse), band severe
    assert 'id="kpi-pain"' in page and '-1.0 <span class="small">(-12.5 %)</span>' in page
    assert "MCID not reached" in page
    assert '+2.0<br><span class="small">(+4.0 %)</span>' in page
    assert '52.0<br><span class="small muted">severe</span>' in page
    assert "<svg" in page and 'role="img"' in page and "Pain since the procedure" in page
    # The flag marker's tooltip on the time axis names the flag in words, not by its rule code.
    assert "URGENT flag: Wound redness, swelling or drainage" in page
    assert "flag WOUND" not in page
    # The checks table's flag column shows the reason beside the tier, not the code.
    assert '<span class="small">Wound redness, swelling or drainage</span>' in page
    assert "acknowledged after 12 min" in page
    # So does the escalation marker's.
    assert (
        "URGENT escalation: Wound redness, swelling or drainage; acknowledged after 12 min" in page
    )
    assert "escalation WOUND" not in page
    assert "https://" not in page.split("<main")[1].split("</main>")[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # no CDN, nothing external


def test_the_trend_page_of_a_patient_without_baseline_says_so(client, bob, patients):
    page = get(client, bob, f"/outcomes/enrollments/{patients['no_base'].pk}/").content.decode()
    assert "No baseline: change cannot be computed" in page
    assert "No baseline;" in page  # chart description


def test_viewing_a_trend_is_audit_logged(client, bob, patients):
    get(client, bob, f"/outcomes/enrollments/{patients['mine'].pk}/")
    event = AuditEvent.objects.get(action="view", object_type="enrollment")
    assert (event.patient_id, event.clinic_id, event.username) == (
        patients["mine"].patient_id,
        patients["mine"].clinic_id,
        "bob",
    )
    assert event.detail == {"page": "outcomes_trend"}


def test_the_dashboard_shows_the_figures_and_the_definitions(client, bob, patients):
    page = get(client, bob, "/outcomes/").content.decode()
    # bob's d14: Ruiz 8 -> 4 (-4), Base has no baseline: n=1, mean -4.0, no interval
    assert '<td class="num" data-col="mean">-4.0</td>' in page
    assert "+1 no baseline" in page
    assert "How these figures are computed" in page
    assert "cohort-pain-chart" in page and "meds-chart" in page
    assert 'data-procedure="ESI"' in page
    # the filters are there, with the clinic and the physician the user may choose
    for field in (
        "procedure",
        "physician",
        "clinic",
        "performed_from",
        "performed_to",
        "checkpoint",
        "withdrawn",
        "group",
    ):
        assert f'id="id_{field}"' in page


def test_the_dashboard_says_how_old_its_figures_are(client, bob, patients, settings, monkeypatch):
    settings.OUTCOMES_CACHE_SECONDS = 300
    cache.clear()
    try:
        first = get(client, bob, "/outcomes/").content.decode()
        assert re.search(
            r"Figures computed \d+ s ago; they are kept up to 5 minutes, so answers since then "
            r"may not be counted yet",
            first,
        ), first
        # Three minutes later the same (cached) figures are shown, and said to be that old.
        later = timezone.now() + dt.timedelta(minutes=3)
        monkeypatch.setattr(timezone, "now", lambda: later)
        again = get(client, bob, "/outcomes/").content.decode()
        assert "Figures computed 3 min ago" in again
        # Past the 5 minutes they are still shown at once, and said to be on their way.
        queued = []
        monkeypatch.setattr(cached.refresh_publisher, "submit", queued.append)
        later = timezone.now() + dt.timedelta(minutes=3)
        monkeypatch.setattr(timezone, "now", lambda: later)
        stale = get(client, bob, "/outcomes/").content.decode()
        assert (
            "Figures computed 6 min ago; newer figures are being computed: reload in a minute "
            "to see them." in stale
        ), stale
        assert len(queued) == 1
    finally:
        cache.clear()


def test_the_patient_list_offers_only_the_filters_that_apply(client, bob, patients):
    page = get(client, bob, "/outcomes/patients/").content.decode()
    assert 'id="id_procedure"' in page
    assert 'id="id_checkpoint"' not in page and 'id="id_group"' not in page


def test_bad_filters_are_a_400_with_the_errors(client, bob, patients):
    response = get(
        client, bob, "/outcomes/", performed_from="2026-02-01", performed_to="2026-01-01"
    )
    assert response.status_code == 400
    assert "ends before it starts" in response.content.decode()
    response = get(client, bob, "/outcomes/", physician="999999")
    assert response.status_code == 400
    assert get(client, bob, "/outcomes/export.csv", procedure="NOPE").status_code == 400


def test_a_physician_without_the_permission_cannot_filter_on_a_colleague(
    client, bob, erin, patients
):
    assert get(client, bob, "/outcomes/", physician=erin.pk).status_code == 400
    grant_clinic_outcomes(bob)
    assert get(client, bob, "/outcomes/", physician=erin.pk, group="physician").status_code == 200


# --- queries do not grow with the cohort --------------------------------------------------------
def _add_patients(clinic, bob, n, start):
    for i in range(n):
        e = patient_enrolled(clinic, bob, baseline_pain=7, baseline_odi=40, mrn=f"Q-{start + i}")
        record(e, "d14", nrs_now=4, nrs_avg=5, odi=30, meds="less", pgic="much_better")
        set_status(e, "m3", "missed")
        flag(e, "URGENT", "WOUND")
        escalation(
            e,
            "URGENT",
            created_at=dt.datetime(2026, 1, 19, 17, tzinfo=dt.UTC),
            ack_after=dt.timedelta(minutes=5 + i),
        )


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url,params",
    [
        ("/outcomes/", {}),
        ("/outcomes/", {"group": "physician"}),
        ("/outcomes/", {"group": "procedure", "checkpoint": "d14"}),
        ("/outcomes/patients/", {}),
        ("/outcomes/export.csv", {}),
    ],
)
def test_cohort_pages_run_the_same_queries_for_5_and_50_patients(
    client, clinic, bob, url, params, django_assert_max_num_queries
):
    client.force_login(bob)
    _add_patients(clinic, bob, 5, 0)
    small = _count(client, url, params)
    _add_patients(clinic, bob, 45, 100)
    with django_assert_max_num_queries(small):
        large = _count(client, url, params)
    assert large == small
    assert small <= 30


def test_the_trend_and_fhir_pages_do_not_grow_with_flags_or_cohort(client, clinic, bob):
    client.force_login(bob)
    _add_patients(clinic, bob, 5, 0)
    one = patient_enrolled(clinic, bob, baseline_pain=8, mrn="T-1")
    record(one, "d14", nrs_avg=5, odi=30)
    flag(one, "URGENT", "WOUND")
    counts = [
        _count(client, f"/outcomes/enrollments/{one.pk}/"),
        _count(client, f"/outcomes/enrollments/{one.pk}/fhir.json"),
    ]
    _add_patients(clinic, bob, 45, 100)
    record(one, "m3", nrs_avg=4, odi=20)
    for i in range(5):
        flag(one, "ROUTINE", f"TEXT_REVIEW{i}", key="m3")
    escalation(one, "URGENT", created_at=dt.datetime(2026, 4, 6, 16, tzinfo=dt.UTC), ack_after=None)
    assert [
        _count(client, f"/outcomes/enrollments/{one.pk}/"),
        _count(client, f"/outcomes/enrollments/{one.pk}/fhir.json"),
    ] == counts
    assert Escalation.objects.filter(enrollment=one).count() == 1
