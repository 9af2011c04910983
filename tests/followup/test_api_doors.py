"""Issue 20.8/20.7 for the REST API: lists cost a constant number of queries, each token is
throttled, the schema needs authentication, and every list response is audited with the ids
of the patients it showed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from followup.models import Answer, Escalation, Score, Tier
from patients.models import AuditEvent

from ..conftest import token_client
from ..factories import PatientFactory, enroll

pytestmark = pytest.mark.django_db


def _enrollments(n: int, *, clinic, physician, start: int = 0) -> list:
    made = []
    for i in range(start, start + n):
        patient = PatientFactory(clinic=clinic, mrn=f"Q-{i}", phone=f"+1512555{i:04d}")
        enrollment = enroll(
            patient=patient, physician=physician, performed_on=dt.date.today() - dt.timedelta(3)
        )
        checkpoint = enrollment.checkpoints.first()
        now = timezone.now()
        Answer.objects.create(
            checkpoint=checkpoint,
            question_code="pain_now",
            instrument="nrs",
            raw_text="4",
            value=4,
            answered_at=now,
        )
        Answer.objects.create(
            checkpoint=checkpoint,
            question_code="relief",
            instrument="nrs",
            raw_text="60",
            value=60,
            answered_at=now - dt.timedelta(minutes=5),
        )
        Score.objects.create(checkpoint=checkpoint, kind="NRS_NOW", value=4, computed_at=now)
        made.append(enrollment)
    return made


def _list_queries(client: APIClient) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/enrollments/?page_size=1000")
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_enrollment_list_costs_the_same_queries_for_1_and_for_50(alice, bob, clinic):
    client = token_client(alice)
    _enrollments(1, clinic=clinic, physician=bob)
    one, page = _list_queries(client)
    assert len(page["results"]) == 1
    [row] = page["results"]
    # Prefetched, and still in time order with the right checkpoint.
    assert [a["question_code"] for a in row["answers"]] == ["relief", "pain_now"]
    assert [s["kind"] for s in row["scores"]] == ["NRS_NOW"]
    assert row["answers"][0]["checkpoint_key"] == row["checkpoints"][0]["key"]

    _enrollments(49, clinic=clinic, physician=bob, start=1)
    fifty, page = _list_queries(client)

    assert len(page["results"]) == 50
    assert all(len(r["answers"]) == 2 and len(r["scores"]) == 1 for r in page["results"])
    assert fifty == one, f"1 enrollment: {one} queries, 50: {fifty}"


def test_the_detail_view_shows_the_prefetched_answers_and_scores(api, bob, clinic):
    [enrollment] = _enrollments(1, clinic=clinic, physician=bob)

    detail = api.get(f"/api/v1/enrollments/{enrollment.pk}/").json()

    assert [a["raw_text"] for a in detail["answers"]] == ["60", "4"]
    assert detail["scores"][0]["value"] == 4.0


def test_each_token_is_throttled_on_its_own(alice, charlie, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    from django.core.cache import cache

    cache.clear()
    nurse, other = token_client(alice), token_client(charlie)

    codes = [nurse.get("/api/v1/escalations/").status_code for _ in range(5)]

    assert codes == [200, 200, 200, 429, 429]
    assert "Retry-After" in nurse.get("/api/v1/escalations/")
    # Another token is not slowed down by the first one's burst.
    assert other.get("/api/v1/escalations/").status_code == 200


def test_throttling_can_be_turned_off(api, settings):
    settings.API_THROTTLE_RATE = "off"

    assert {api.get("/api/v1/escalations/").status_code for _ in range(5)} == {200}


def test_the_schema_needs_authentication(client, api):
    assert client.get("/api/schema/").status_code in {401, 403}
    assert api.get("/api/schema/", HTTP_ACCEPT="application/json").status_code == 200


def test_an_enrollment_list_is_audited_with_every_patient_shown(alice, bob, clinic):
    made = _enrollments(3, clinic=clinic, physician=bob)

    token_client(alice).get("/api/v1/enrollments/")

    event = AuditEvent.objects.filter(action="api", path="/api/v1/enrollments/").latest("id")
    assert event.username == "alice"
    assert event.detail["patient_ids"] == sorted(e.patient_id for e in made)


def test_an_escalation_list_is_audited_with_its_patients(alice, bob, clinic):
    [enrollment] = _enrollments(1, clinic=clinic, physician=bob)
    Escalation.objects.create(
        clinic=clinic,
        patient=enrollment.patient,
        enrollment=enrollment,
        tier=Tier.URGENT,
        kind="TEST",
        reason="test",
        code="4242",
    )

    token_client(alice).get("/api/v1/escalations/?status=open")

    event = AuditEvent.objects.filter(action="api", path="/api/v1/escalations/").latest("id")
    assert event.detail["patient_ids"] == [enrollment.patient_id]
