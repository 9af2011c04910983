# ruff: noqa: F811 - the fixtures imported from test_webform are redefined as arguments
"""A procedure at cervical levels asks the Neck Disability Index on the web form instead of the
ODI, scored like the ODI (sum / (5 x answered) x 100, at least 8 of 10 sections) with the same
"you left these blank" step."""

from __future__ import annotations

import html
from decimal import Decimal

import pytest

from followup.instruments.indexes import index_code_for_levels, swap_index
from followup.instruments.ndi import NDI_SECTION_KEYS
from followup.models import Answer, Score
from tests.survey_helpers import last_text, post_sms, start_survey

from .test_webform import LINK

pytestmark = pytest.mark.django_db


def ndi(*scores: int | None) -> dict[str, str]:
    return {
        f"ndi_{key}": str(v)
        for key, v in zip(NDI_SECTION_KEYS, scores, strict=True)
        if v is not None
    }


@pytest.fixture
def cervical(clinic, bob):
    return start_survey(clinic=clinic, physician=bob, levels="C5-C6")


@pytest.fixture
def ndi_path(client, cervical):
    phone = cervical.enrollment.patient.phone
    # Checklist (none), pain now, anything else: no back/leg pain items at cervical levels.
    for body in ("0", "6", "no"):
        post_sms(client, body=body, from_=phone)
    text = last_text(phone)
    assert "neck pain" in text, text
    return LINK.search(text).group(1)


@pytest.mark.parametrize(
    "levels, code",
    [("C5-C6", "NDI"), ("c6/7", "NDI"), ("C7-T1", "NDI"), ("L4-L5", "ODI"), ("", "ODI")],
)
def test_cervical_levels_ask_the_ndi(levels, code):
    assert index_code_for_levels(levels) == code
    assert swap_index(["PAIN_NOW", "ODI", "ANYTHING_ELSE"], levels) == [
        "PAIN_NOW",
        code,
        "ANYTHING_ELSE",
    ]


def test_the_cervical_check_carries_the_ndi_not_the_odi(cervical):
    assert "NDI" in cervical.question_codes and "ODI" not in cervical.question_codes


def test_the_form_shows_the_ndi_sections_and_scores_them(client, ndi_path, cervical):
    page = html.unescape(client.get(ndi_path).content.decode())
    assert 'name="ndi_pain_intensity"' in page and 'name="odi_pain_intensity"' not in page
    scores = (3, 2, 2, 1, 4, 2, 1, 0, 2, 3)
    sent = client.post(ndi_path, {**ndi(*scores), "action": "submit"})
    assert "Thank you" in sent.content.decode()
    answer = Answer.objects.get(checkpoint=cervical, question_code="NDI")
    assert answer.instrument == "NDI" and answer.value["pain_intensity"] == 3
    score = Score.objects.get(checkpoint=cervical, kind="NDI")
    assert score.value == Decimal("40.0")  # 20 / 50
    assert score.details == {"sum": 20, "answered": 10, "band": "moderate"}
    assert not Score.objects.filter(checkpoint=cervical, kind="ODI").exists()


def test_blank_ndi_sections_are_named_first_and_fewer_than_8_give_no_score(
    client, ndi_path, cervical
):
    scores = (3, None, None, 1, None, 2, 1, 0, 2, 3)  # 7 answered
    first = client.post(ndi_path, {**ndi(*scores), "action": "submit"})
    page = html.unescape(first.content.decode())
    assert "You have not answered these sections: " in page
    assert "2. Personal care (washing, dressing, etc.)" in page
    assert "no disability score can be worked out" in page
    assert not Answer.objects.filter(checkpoint=cervical, question_code="NDI").exists()
    sent = client.post(ndi_path, {**ndi(*scores), "action": "submit", "odi_confirm": "1"})
    assert "Thank you" in sent.content.decode()
    assert (
        Answer.objects.get(checkpoint=cervical, question_code="NDI").value["personal_care"] is None
    )
    assert not Score.objects.filter(checkpoint=cervical, kind="NDI").exists()


def test_nine_ndi_sections_score_over_the_answered_maximum(client, ndi_path, cervical):
    scores = (3, 2, 2, 1, 4, 2, 1, None, 2, 3)  # 20 / 45
    client.post(ndi_path, {**ndi(*scores), "action": "submit", "odi_confirm": "1"})
    assert Score.objects.get(checkpoint=cervical, kind="NDI").value == Decimal("44.4")


def test_staff_read_the_ndi_answer_in_words():
    from followup.answer_labels import answer_label, question_label

    value = dict(zip(NDI_SECTION_KEYS, (3, 2, 2, 1, 4, 2, 1, None, 2, 3), strict=True))
    label = answer_label("NDI", value)
    assert label.startswith("44.4 % (moderate), 9 of 10 sections; not answered: 8. ")
    assert question_label("NDI") == "Neck Disability Index (web form)"
    seven = dict.fromkeys(NDI_SECTION_KEYS, None) | {k: 1 for k in NDI_SECTION_KEYS[:7]}
    assert answer_label("NDI", seven).startswith(
        "no score (7 of 10 sections answered, fewer than 8)"
    )
