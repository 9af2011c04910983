# ruff: noqa: F811 - the fixtures imported from test_webform are redefined as arguments
"""The ODI as the instrument says: the patient sees which sections are blank before sending and
may send anyway; a score is sum / (5 x sections answered) x 100 from 8 answered sections up, none
below; the timeline says how many were answered and which were not."""

from __future__ import annotations

import html
from decimal import ROUND_HALF_UP, Decimal

import pytest

from followup.answer_labels import answer_label, odi_summary
from followup.form_links import form_link_create
from followup.models import Answer, CheckpointStatus, FormDraft, Score
from followup.odi import ODI_SECTION_KEYS, odi_missing_sections, odi_section_title
from tests.survey_helpers import start_survey

from .test_triage_queue import signed_in
from .test_webform import checkpoint, form_path, odi  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

# Answered sections -> the answers (None = left blank). Blanks chosen in different places.
CASES = {
    10: (3, 2, 2, 1, 4, 2, 1, 0, 2, 3),
    9: (3, 2, 2, 1, 4, 2, 1, None, 2, 3),
    8: (3, None, 2, 1, 4, 2, 1, None, 2, 3),
    7: (3, None, 2, 1, None, 2, 1, None, 2, 3),
    3: (3, None, None, 1, None, None, None, None, 2, None),
}


def expected_percent(scores: tuple) -> Decimal:
    given = [s for s in scores if s is not None]
    return (Decimal(sum(given) * 100) / Decimal(5 * len(given))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def missing_titles(scores: tuple) -> list[str]:
    return [
        odi_section_title(key) for key, v in zip(ODI_SECTION_KEYS, scores, strict=True) if v is None
    ]


@pytest.mark.parametrize("answered", sorted(CASES, reverse=True))
def test_it_names_the_blank_sections_first_then_scores_by_the_rule(
    client, form_path, checkpoint, alice, answered
):
    scores = CASES[answered]
    first = client.post(form_path, {**odi(*scores), "action": "submit"})
    page = html.unescape(first.content.decode())
    if answered == 10:
        assert "Thank you" in page  # nothing missing: sent at once
    else:
        # Nothing recorded yet: the patient is told which sections are blank, answers kept.
        assert first.status_code == 200 and "Thank you" not in page
        assert "You have not answered these sections: " in page
        for title in missing_titles(scores):
            assert title in page
        assert "Send without these sections" in page and 'name="odi_confirm" value="1"' in page
        assert ("no disability score can be worked out" in page) == (answered < 8)
        assert not Answer.objects.filter(checkpoint=checkpoint, question_code="ODI").exists()
        assert FormDraft.objects.get(checkpoint=checkpoint).data["odi_pain_intensity"] == 3
        assert checkpoint.__class__.objects.get(pk=checkpoint.pk).status == CheckpointStatus.OPEN
        sent = client.post(form_path, {**odi(*scores), "action": "submit", "odi_confirm": "1"})
        assert "Thank you" in sent.content.decode()

    answer = Answer.objects.get(checkpoint=checkpoint, question_code="ODI")
    assert odi_missing_sections(answer.value) == [
        k for k, v in zip(ODI_SECTION_KEYS, scores, strict=True) if v is None
    ]
    score = Score.objects.filter(checkpoint=checkpoint, kind="ODI").first()
    if answered >= 8:
        assert score is not None and score.value == expected_percent(scores)
        assert score.details["answered"] == answered
    else:
        assert score is None  # below the instrument's minimum: no score at all

    timeline = html.unescape(
        signed_in(alice).get(f"/patients/{checkpoint.enrollment.patient_id}/").content.decode()
    )
    assert f"{answered} of 10 sections" in timeline
    for title in missing_titles(scores):
        assert title in timeline
    if answered >= 8:
        assert f"{expected_percent(scores)} %" in timeline
    else:
        assert "no score" in timeline
    assert "{'" not in timeline and "None" not in timeline  # no Python dict on the page


def test_a_confirmed_send_after_answering_the_gaps_scores_all_ten(client, form_path, checkpoint):
    client.post(form_path, {**odi(*CASES[7]), "action": "submit"})
    client.post(form_path, {**odi(*CASES[10]), "action": "submit", "odi_confirm": "1"})
    assert Score.objects.get(checkpoint=checkpoint, kind="ODI").details["answered"] == 10


def test_the_spanish_form_names_the_sections_in_spanish(client, clinic, bob):
    check = start_survey(clinic=clinic, physician=bob, language="es")
    path = form_link_create(checkpoint=check).replace("https://followup.test", "")
    page = html.unescape(client.post(path, {**odi(*CASES[9]), "action": "submit"}).content.decode())
    assert "No contestó estas secciones: " in page
    assert odi_section_title("sex_life", "es") in page
    assert "Enviar sin estas secciones" in page


def test_the_summary_in_words():
    full = dict(zip(ODI_SECTION_KEYS, CASES[10], strict=True))
    assert odi_summary(full) == "40.0 % (moderate), 10 of 10 sections"
    three = dict(zip(ODI_SECTION_KEYS, CASES[3], strict=True))
    assert odi_summary(three).startswith("no score (3 of 10 sections answered, fewer than 8)")
    assert "not answered: 2. Personal care" in odi_summary(three)
    assert odi_summary(None) == "not answered"
    assert answer_label("ODI", {"walking": 9}).startswith("no score")  # out of range: no score
