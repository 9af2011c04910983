"""Relief diaries and monitoring rows in the Django admin (issue 23): scoped to the clinic admin's
clinics on every list, id and write; installation-wide rows for superusers only; read-only.

The people: alice is the clinic admin of clinic A (Austin), nina a nurse of A, bob the clinic
admin of clinic B (Boston), root a superuser.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from followup.diaries.services import diary_block_schedule
from followup.models import DiaryEntry
from followup.monitoring.models import OpsAlert, SweepHeartbeat, TestPage, TestPageDelivery
from patients.admin_scope import scope_queryset
from patients.models import AuditEvent, Clinic, Role
from tests.admin_people import as_, member, superuser

from .outcomes_data import patient_enrolled

pytestmark = pytest.mark.django_db

CHI = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def alice(clinic):
    return member("alice", clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def nina(clinic):
    return member("nina", clinic, Role.TRIAGE_NURSE)


@pytest.fixture
def bob(other_clinic):
    return member("bob", other_clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def root(db):
    return superuser()


def _diary(clinic, physician, mrn: str) -> DiaryEntry:
    e = patient_enrolled(
        clinic, physician, procedure="FACET_SI", baseline_pain=8, mrn=mrn, last_name=mrn
    )
    rows = diary_block_schedule(
        enrollment=e,
        block_at=dt.datetime(2026, 3, 10, 10, 0, tzinfo=CHI),
        anaesthetic_name="lidocaine",
    )
    DiaryEntry.objects.filter(pk=rows[0].pk).update(pain=2)
    return rows[0]


@pytest.fixture
def diaries(clinic, other_clinic, alice, bob):
    return {"a": _diary(clinic, alice, "MRN-DA"), "b": _diary(other_clinic, bob, "MRN-DB")}


@pytest.fixture
def monitoring(clinic, other_clinic, alice, bob):
    def drill(c, user):
        page = TestPage.objects.create(clinic=c, requested_by=user)
        delivery = TestPageDelivery.objects.create(
            test_page=page,
            recipient=user,
            step=1,
            target="admins",
            channel="sms",
            token=f"secret-token-{c.pk}",
        )
        return page, delivery

    page_a, delivery_a = drill(clinic, alice)
    page_b, delivery_b = drill(other_clinic, bob)
    return {
        "alert_a": OpsAlert.objects.create(
            kind="oncall_gap", scope=f"{clinic.pk}:d1", clinic=clinic, detail="gap-in-austin"
        ),
        "alert_b": OpsAlert.objects.create(
            kind="oncall_gap",
            scope=f"{other_clinic.pk}:d1",
            clinic=other_clinic,
            detail="gap-in-boston",
        ),
        "alert_all": OpsAlert.objects.create(
            kind="sweep_late", scope="", detail="installation-sweep-late"
        ),
        "heartbeat": SweepHeartbeat.objects.create(name="dispatch", ok=True, runs=7),
        "page_a": page_a,
        "page_b": page_b,
        "delivery_a": delivery_a,
        "delivery_b": delivery_b,
    }


# --- relief diaries -------------------------------------------------------------------------------


def test_alice_lists_her_clinics_diary_rows_only(alice, diaries):
    page = as_(alice).get("/admin/followup/diaryentry/")
    assert page.status_code == 200
    rows = list(page.context["cl"].queryset)
    assert diaries["a"] in rows and diaries["b"] not in rows
    assert all(r.enrollment.clinic.name == diaries["a"].enrollment.clinic.name for r in rows)


def test_alice_cannot_open_clinic_b_diary_row_by_id(alice, diaries):
    response = as_(alice).get(f"/admin/followup/diaryentry/{diaries['b'].pk}/change/")
    # The admin treats a row outside the queryset as missing: a redirect, nothing shown.
    assert response.status_code == 302
    assert "MRN-DB" not in as_(alice).get(response["Location"]).content.decode()


def test_a_diary_answer_is_not_edited_in_a_form_even_in_the_own_clinic(alice, nina, diaries):
    mine = diaries["a"]
    form = {"enrollment": mine.enrollment_id, "kind": "block", "series": 1, "key": mine.key}
    for user in (alice, nina):
        assert (
            as_(user)
            .post(f"/admin/followup/diaryentry/{mine.pk}/change/", {**form, "pain": 9})
            .status_code
            == 403
        )
        assert as_(user).post("/admin/followup/diaryentry/add/", form).status_code == 403
        assert (
            as_(user).post(f"/admin/followup/diaryentry/{mine.pk}/delete/", {"post": "yes"})
        ).status_code == 403
    mine.refresh_from_db()
    assert mine.pain == 2


def test_a_nurse_reads_her_clinics_diaries_and_the_read_is_audited(nina, diaries):
    response = as_(nina).get(f"/admin/followup/diaryentry/{diaries['a'].pk}/change/")
    assert response.status_code == 200
    event = AuditEvent.objects.filter(object_type="diaryentry", username="nina").latest("pk")
    assert event.patient_id == diaries["a"].enrollment.patient_id


def test_a_superuser_sees_every_clinics_diary(root, diaries):
    rows = list(as_(root).get("/admin/followup/diaryentry/").context["cl"].queryset)
    assert {diaries["a"], diaries["b"]} <= set(rows)


def test_the_diary_scope_of_a_choice_is_the_clinic(clinic, diaries):
    scoped = scope_queryset(DiaryEntry.objects.all(), Clinic.objects.filter(pk=clinic.pk))
    assert diaries["a"] in scoped and diaries["b"] not in scoped


# --- monitoring ---------------------------------------------------------------------------------


def test_alice_sees_her_clinics_alerts_not_another_clinics_nor_the_installations(alice, monitoring):
    page = as_(alice).get("/admin/monitoring/opsalert/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "gap-in-austin" in text
    assert "gap-in-boston" not in text and "installation-sweep-late" not in text
    for other in ("alert_b", "alert_all"):
        response = as_(alice).get(f"/admin/monitoring/opsalert/{monitoring[other].pk}/change/")
        assert response.status_code == 302


def test_the_heartbeat_is_for_superusers_only(alice, root, monitoring):
    assert as_(alice).get("/admin/monitoring/sweepheartbeat/").status_code == 403
    hb = monitoring["heartbeat"]
    assert as_(alice).get(f"/admin/monitoring/sweepheartbeat/{hb.pk}/change/").status_code == 403
    assert as_(root).get("/admin/monitoring/sweepheartbeat/").status_code == 200
    assert "sweepheartbeat" not in as_(alice).get("/admin/").content.decode()


def test_a_superuser_sees_every_alert(root, monitoring):
    text = as_(root).get("/admin/monitoring/opsalert/").content.decode()
    assert "gap-in-austin" in text and "gap-in-boston" in text
    assert "installation-sweep-late" in text


def test_monitoring_rows_are_read_only_for_everyone(alice, root, monitoring):
    mine = monitoring["alert_a"]
    for user in (alice, root):
        client = as_(user)
        assert (
            client.post(
                f"/admin/monitoring/opsalert/{mine.pk}/change/",
                {"kind": "oncall_gap", "detail": "rewritten", "opened_at_0": "2026-01-01"},
            ).status_code
            == 403
        )
        assert client.post("/admin/monitoring/opsalert/add/", {}).status_code == 403
        assert (
            client.post(f"/admin/monitoring/opsalert/{mine.pk}/delete/", {"post": "yes"})
        ).status_code == 403
        assert (
            client.post(
                f"/admin/monitoring/sweepheartbeat/{monitoring['heartbeat'].pk}/delete/",
                {"post": "yes"},
            ).status_code
            == 403
        )
    mine.refresh_from_db()
    assert mine.detail == "gap-in-austin"
    assert SweepHeartbeat.objects.filter(pk=monitoring["heartbeat"].pk).exists()


def test_alice_sees_her_clinics_drills_and_deliveries_only(alice, monitoring):
    client = as_(alice)
    pages = list(client.get("/admin/monitoring/testpage/").context["cl"].queryset)
    assert pages == [monitoring["page_a"]]
    assert (
        client.get(f"/admin/monitoring/testpage/{monitoring['page_b'].pk}/change/").status_code
        == 302
    )
    deliveries = list(client.get("/admin/monitoring/testpagedelivery/").context["cl"].queryset)
    assert deliveries == [monitoring["delivery_a"]]
    response = client.get(
        f"/admin/monitoring/testpagedelivery/{monitoring['delivery_b'].pk}/change/"
    )
    assert response.status_code == 302
    # Her own drill opens, without the recipient's acknowledgement token.
    own = client.get(f"/admin/monitoring/testpagedelivery/{monitoring['delivery_a'].pk}/change/")
    assert own.status_code == 200 and "secret-token" not in own.content.decode()
    drill = client.get(f"/admin/monitoring/testpage/{monitoring['page_a'].pk}/change/")
    assert drill.status_code == 200 and "secret-token" not in drill.content.decode()


def test_bob_sees_only_boston(bob, monitoring, diaries):
    client = as_(bob)
    assert list(client.get("/admin/monitoring/opsalert/").context["cl"].queryset) == [
        monitoring["alert_b"]
    ]
    rows = list(client.get("/admin/followup/diaryentry/").context["cl"].queryset)
    assert diaries["b"] in rows and diaries["a"] not in rows
    assert {r.enrollment_id for r in rows} == {diaries["b"].enrollment_id}


def test_a_nurse_has_no_monitoring_admin(nina, monitoring):
    assert as_(nina).get("/admin/monitoring/opsalert/").status_code == 403
    assert as_(nina).get("/admin/monitoring/testpage/").status_code == 403
