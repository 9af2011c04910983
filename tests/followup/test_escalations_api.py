"""GET /api/v1/escalations/ and the acknowledge / resolve actions, scoped to the token's clinics."""

from __future__ import annotations

import pytest
from django.utils import timezone

from followup.models import Escalation, Flag
from followup.services.escalations import escalation_raise
from tests.factories import PatientFactory

from ..conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/escalations/"


def open_escalation(clinic, *, tier="URGENT", kind="WOUND", reason="Wound redness") -> Escalation:
    patient = PatientFactory(clinic=clinic)
    flag = Flag.objects.create(
        patient=patient, rule_code=kind, tier=tier, reason=reason, evidence="yes"
    )
    escalation, created = escalation_raise(flag=flag)
    assert created
    return escalation


def test_it_lists_open_escalations_with_the_documented_fields(clinic, alice):
    escalation = open_escalation(
        clinic, tier="EMERGENCY", kind="SOB_CHEST", reason="Shortness of breath"
    )
    response = token_client(alice).get(URL, {"status": "open"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (
        row["id"] == escalation.pk
        and row["tier"] == "EMERGENCY"
        and row["reason"] == "Shortness of breath"
    )
    assert {"enrollment", "created", "acknowledged", "resolved", "code", "status"} <= set(row)
    assert row["acknowledged"] is None and row["resolved"] is None and row["status"] == "open"


def test_it_shows_only_the_token_users_clinics(clinic, other_clinic, alice, charlie):
    mine = open_escalation(clinic)
    theirs = open_escalation(other_clinic)
    assert [r["id"] for r in token_client(alice).get(URL).json()["results"]] == [mine.pk]
    assert [r["id"] for r in token_client(charlie).get(URL).json()["results"]] == [theirs.pk]
    assert token_client(alice).get(f"{URL}{theirs.pk}/").status_code == 404
    assert token_client(alice).post(f"{URL}{theirs.pk}/acknowledge/").status_code == 404


def test_it_needs_a_token(clinic):
    open_escalation(clinic)
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401


def test_it_filters_by_status_and_tier_and_rejects_unknown_values(clinic, alice, bob):
    a = open_escalation(clinic, tier="URGENT", kind="WOUND")
    b = open_escalation(clinic, tier="ROUTINE", kind="SCS_COVERAGE")
    client = token_client(alice)
    client.post(f"{URL}{a.pk}/acknowledge/")
    assert [r["id"] for r in client.get(URL, {"status": "open"}).json()["results"]] == [b.pk]
    assert [r["id"] for r in client.get(URL, {"status": "acknowledged"}).json()["results"]] == [
        a.pk
    ]
    assert {r["id"] for r in client.get(URL, {"status": "unresolved"}).json()["results"]} == {
        a.pk,
        b.pk,
    }
    assert [r["id"] for r in client.get(URL, {"tier": "ROUTINE"}).json()["results"]] == [b.pk]
    assert client.get(URL, {"status": "closed"}).status_code == 400
    assert client.get(URL, {"tier": "SEVERE"}).status_code == 400


def test_it_paginates_with_page_size(clinic, alice):
    for i in range(3):
        open_escalation(clinic, kind=f"K{i}")
    body = token_client(alice).get(URL, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_acknowledge_then_a_second_clinician_gets_409(clinic, alice, bob):
    escalation = open_escalation(clinic)
    first = token_client(alice).post(f"{URL}{escalation.pk}/acknowledge/")
    assert first.status_code == 200
    assert first.json()["acknowledged_by"] == "alice" and first.json()["acknowledged_via"] == "api"
    second = token_client(bob).post(f"{URL}{escalation.pk}/acknowledge/")
    assert second.status_code == 409 and "alice" in second.json()["detail"]
    escalation.refresh_from_db()
    assert escalation.acknowledged_by.username == "alice"


def test_resolve_needs_an_outcome_and_a_note(clinic, alice):
    escalation = open_escalation(clinic)
    client = token_client(alice)
    missing = client.post(
        f"{URL}{escalation.pk}/resolve/", {"outcome": "reached_visit"}, format="json"
    )
    assert missing.status_code == 400 and "note" in missing.json()
    blank = client.post(
        f"{URL}{escalation.pk}/resolve/", {"outcome": "reached_visit", "note": "  "}, format="json"
    )
    assert blank.status_code == 400
    bad = client.post(
        f"{URL}{escalation.pk}/resolve/", {"outcome": "meh", "note": "x"}, format="json"
    )
    assert bad.status_code == 400 and "outcome" in bad.json()
    escalation.refresh_from_db()
    assert escalation.status == "open"

    done = client.post(
        f"{URL}{escalation.pk}/resolve/",
        {"outcome": "reached_visit", "note": "Wound check tomorrow 9am."},
        format="json",
    )
    assert done.status_code == 200
    assert done.json()["status"] == "resolved" and done.json()["resolved_by"] == "alice"
    assert done.json()["resolution_note"] == "Wound check tomorrow 9am."
    again = client.post(
        f"{URL}{escalation.pk}/resolve/", {"outcome": "reached_visit", "note": "x"}, format="json"
    )
    assert again.status_code == 409


def test_the_list_is_newest_first(clinic, alice):
    older = open_escalation(clinic, kind="A")
    newer = open_escalation(clinic, kind="B")
    Escalation.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timezone.timedelta(hours=2)
    )
    assert [r["id"] for r in token_client(alice).get(URL).json()["results"]] == [newer.pk, older.pk]
