"""Enrolling a diagnostic block with its time and anaesthetic schedules the block diary; an SCS
trial with its length schedules the daily diary; the API and the staff form take the same optional
fields and refuse the same bad ones."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from followup.models import DiaryEntry, DiaryKind, Enrollment

from .test_enrollment_api import body
from .test_triage_enroll import form_data, form_errors
from .test_triage_queue import signed_in

pytestmark = pytest.mark.django_db

CHI = zoneinfo.ZoneInfo("America/Chicago")


def yesterday_at_17_local() -> tuple[str, dt.datetime]:
    day = timezone.now().astimezone(CHI).date() - dt.timedelta(days=1)
    return day.isoformat(), dt.datetime.combine(day, dt.time(17, 0), tzinfo=CHI)


def test_the_api_schedules_a_block_diary_in_the_patients_zone(api, bob):
    day, block = yesterday_at_17_local()
    payload = body(
        procedure="FACET_SI",
        performed_on=day,
        diary={"block_at": f"{day}T17:00", "anaesthetic": "bupivacaine"},
    )
    response = api.post("/api/v1/enrollments/", payload, format="json")
    assert response.status_code == 201, response.json()
    rows = list(DiaryEntry.objects.filter(enrollment_id=response.json()["id"]))
    assert [r.key for r in rows] == ["h0.5", "h1", "h2", "recall"]
    assert {r.started_at for r in rows} == {block}  # a time without offset is the patient's
    assert rows[-1].covers == ["h4", "h6", "h8"] and rows[-1].anaesthetic == "bupivacaine"


def test_an_offset_in_the_block_time_is_kept(api, bob):
    day, block = yesterday_at_17_local()
    payload = body(
        procedure="NERVE_BLOCK",
        performed_on=day,
        diary={"block_at": block.isoformat(), "anaesthetic": "lidocaine"},
    )
    response = api.post("/api/v1/enrollments/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert DiaryEntry.objects.filter(started_at=block, kind=DiaryKind.BLOCK).count() == 4


def test_the_api_schedules_an_scs_trial_diary_from_the_procedure_date(api, bob):
    day, _ = yesterday_at_17_local()
    payload = body(procedure="SCS", performed_on=day, diary={"trial_days": 7})
    response = api.post("/api/v1/enrollments/", payload, format="json")
    assert response.status_code == 201, response.json()
    rows = list(DiaryEntry.objects.filter(enrollment_id=response.json()["id"]))
    assert [r.key for r in rows] == [f"day{n}" for n in range(1, 8)]
    assert rows[0].due_at.astimezone(CHI).date().isoformat() == day


@pytest.mark.parametrize(
    "procedure, diary, field",
    [
        ("ESI", {"block_at": "2026-01-05T17:00", "anaesthetic": "lidocaine"}, "diary.block_at"),
        ("FACET_SI", {"block_at": "2026-01-05T17:00"}, "diary.anaesthetic"),
        ("FACET_SI", {"anaesthetic": "lidocaine"}, "diary.block_at"),
        ("FACET_SI", {"trial_days": 5}, "diary.trial_days"),
        ("SCS", {"trial_days": 2}, "trial_days"),
        ("SCS", {"trial_days": 11}, "trial_days"),
        ("FACET_SI", {"block_at": "yesterday", "anaesthetic": "lidocaine"}, "block_at"),
        ("FACET_SI", {"block_at": "2026-01-05T17:00", "anaesthetic": "ether"}, "anaesthetic"),
        (
            "FACET_SI",
            {"block_at": "2099-01-05T17:00", "anaesthetic": "lidocaine"},
            "diary.block_at",
        ),
    ],
)
def test_diary_fields_that_do_not_fit_are_refused_and_nothing_is_enrolled(
    api, bob, procedure, diary, field
):
    day, _ = yesterday_at_17_local()
    payload = body(procedure=procedure, performed_on=day, diary=diary)
    response = api.post("/api/v1/enrollments/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors or field in errors.get("diary", {}), errors
    assert not Enrollment.objects.exists() and not DiaryEntry.objects.exists()


def test_the_staff_form_schedules_a_block_diary(clinic, alice, bob):
    day, block = yesterday_at_17_local()
    client = signed_in(alice)
    assert 'name="diary.block_at"' in client.get("/enroll/").content.decode()
    data = form_data(
        clinic,
        procedure="FACET_SI",
        performed_on=day,
        **{"diary.block_at": f"{day}T17:00", "diary.anaesthetic": "lidocaine"},
    )
    response = client.post("/enroll/", data)
    assert response.status_code == 302
    rows = DiaryEntry.objects.filter(enrollment=Enrollment.objects.get())
    assert {r.started_at for r in rows} == {block} and rows.count() == 4


def test_the_staff_form_shows_the_diary_error_beside_its_field(clinic, alice, bob):
    day, _ = yesterday_at_17_local()
    data = form_data(clinic, procedure="ESI", performed_on=day, **{"diary.trial_days": "5"})
    response = signed_in(alice).post("/enroll/", data)
    assert response.status_code == 400
    assert form_errors(response)["diary.trial_days"] == [
        "A trial diary is for stimulator trials (SCS)."
    ]
    assert not Enrollment.objects.exists()
