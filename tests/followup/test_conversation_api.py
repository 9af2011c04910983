"""GET /api/v1/enrollments/{id}/ shows what the patient answered (raw and parsed) and the scores."""

from __future__ import annotations

import pytest

from tests.conftest import token_client
from tests.survey_helpers import post_sms, start_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    for body in ("Nope", "no", "seven", "idk", "no clue", "2", "3", "no"):
        post_sms(client, body=body, from_=phone)
    return checkpoint


def test_it_shows_each_answer_with_raw_text_parsed_value_and_time(answered, alice):
    data = token_client(alice).get(f"/api/v1/enrollments/{answered.enrollment_id}/").json()
    by_code = {a["question_code"]: a for a in data["answers"]}
    assert by_code["RF_WEAKNESS"]["raw_text"] == "Nope" and by_code["RF_WEAKNESS"]["value"] is False
    assert by_code["PAIN_NOW"]["raw_text"] == "seven" and by_code["PAIN_NOW"]["value"] == 7
    assert (
        by_code["PAIN_NOW"]["instrument"] == "NRS_PAIN"
        and by_code["PAIN_NOW"]["checkpoint_key"] == "m3"
    )
    assert by_code["PAIN_AVG"] == {
        **by_code["PAIN_AVG"],
        "status": "unanswered",
        "value": None,
        "raw_text": "no clue",
        "attempts": 2,
    }
    assert by_code["MEDS"]["value"] == "same"
    assert all(a["answered_at"] and a["checkpoint"] == answered.pk for a in data["answers"])


def test_it_shows_the_scores_as_numbers(answered, alice):
    data = token_client(alice).get(f"/api/v1/enrollments/{answered.enrollment_id}/").json()
    assert [(s["kind"], s["value"], s["checkpoint_key"]) for s in data["scores"]] == [
        ("NRS_NOW", 7.0, "m3")
    ]
    assert data["scores"][0]["details"]["instrument"] == "nrs"
    checkpoint = next(c for c in data["checkpoints"] if c["key"] == "m3")
    assert checkpoint["status"] == "open" and checkpoint["status_reason"] == "waiting for web form"


def test_another_clinics_nurse_cannot_read_them(answered, charlie):
    response = token_client(charlie).get(f"/api/v1/enrollments/{answered.enrollment_id}/")
    assert response.status_code == 404
