"""The web form: secret single-check links, ODI v2.1a + VAS, partial saves, clear error pages."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from followup.form_links import LinkState, form_link_check, form_link_create, token_hash
from followup.models import Answer, Checkpoint, CheckpointStatus, FormDraft, FormLink, Score
from followup.odi import ODI_SECTION_KEYS
from tests.survey_helpers import last_text, post_sms, start_survey

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://followup\.test(/f/[A-Za-z0-9_-]+/)")


@pytest.fixture
def checkpoint(clinic, bob):
    return start_survey(clinic=clinic, physician=bob)


@pytest.fixture
def form_path(client, checkpoint):
    """Answer the text questions; the last text carries the form link. ESI 3-month check (issue
    23): the red-flag checklist (none), pain now, back pain, leg pain, anything else; average pain,
    medicine use and PGIC are on the form with the ODI."""
    phone = checkpoint.enrollment.patient.phone
    for body in ("0", "6", "5", "4", "no"):
        post_sms(client, body=body, from_=phone)
    match = LINK.search(last_text(phone))
    assert match, last_text(phone)
    return match.group(1)


def odi(*scores: int | None) -> dict[str, str]:
    return {
        f"odi_{key}": str(v)
        for key, v in zip(ODI_SECTION_KEYS, scores, strict=True)
        if v is not None
    }


# --- links --------------------------------------------------------------------------------------------


def test_a_link_carries_no_phi_and_only_its_hash_is_stored(checkpoint):
    url = form_link_create(checkpoint=checkpoint)
    token = url.rstrip("/").rsplit("/", 1)[1]
    patient = checkpoint.enrollment.patient
    for secret in (
        patient.first_name,
        patient.last_name,
        patient.mrn,
        patient.phone,
    ):
        assert secret.lower() not in url.lower().replace("followup.test", "")
    # Not as a substring: on SQLite the id is a single digit, which a random token may contain.
    assert str(checkpoint.pk) not in url.split("/")
    assert len(token) >= 22
    link = FormLink.objects.get()
    assert link.token_hash == token_hash(token) and token not in link.token_hash
    assert link.expires_at <= checkpoint.closes_at


@pytest.mark.parametrize(
    "token", ["", "short", "x" * 300, "../../etc/passwd", "ABCDEFGHIJKLMNOPQRSTUVWX"]
)
def test_a_forged_or_mangled_token_is_unknown(checkpoint, token):
    form_link_create(checkpoint=checkpoint)
    assert form_link_check(token=token).state is LinkState.UNKNOWN


def test_a_forged_link_gets_a_clear_page(client):
    response = client.get("/f/ABCDEFGHIJKLMNOPQRSTUVWX/")
    assert response.status_code == 404
    assert b"Link not recognised" in response.content and b"911" in response.content


def test_an_expired_link_gets_a_clear_page(client, checkpoint):
    url = form_link_create(checkpoint=checkpoint)
    FormLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(url.replace("https://followup.test", ""))
    assert response.status_code == 410 and b"This link has expired" in response.content
    assert checkpoint.enrollment.clinic.phone.encode() in response.content


def test_a_link_to_a_closed_check_is_expired(client, checkpoint):
    url = form_link_create(checkpoint=checkpoint)
    Checkpoint.objects.filter(pk=checkpoint.pk).update(status=CheckpointStatus.MISSED)
    response = client.get(url.replace("https://followup.test", ""))
    assert response.status_code == 410 and b"expired" in response.content


# --- the form -----------------------------------------------------------------------------------------


def test_the_form_shows_ten_odi_sections_and_a_vas_slider_accessibly(client, form_path, checkpoint):
    response = client.get(form_path)
    assert response.status_code == 200
    html = response.content.decode()
    # 10 ODI sections + the VAS, and the three items the check asks on the form since issue 23
    # (average pain 0-10, medicine use, PGIC 7-point).
    assert html.count("<fieldset") == 14
    assert html.count("<legend>") == 14
    assert html.count('type="radio"') == 60 + 11 + 4 + 7  # six statements per ODI section
    assert 'type="range"' in html and 'min="0"' in html and 'max="100"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<meta name="viewport"' in html and "http://" not in html.replace(
        "http://www.w3.org", ""
    )
    assert "<script src" not in html and "<link" not in html  # no CDN, nothing external
    # Every radio has a label.
    ids = re.findall(r'<input type="radio"[^>]*id="([^"]+)"', html)
    assert len(ids) == 60 + 11 + 4 + 7 and all(
        f'for="{i}"' in html or f'<label for="{i}"' in html for i in ids
    )
    patient = checkpoint.enrollment.patient
    assert patient.first_name not in html and patient.last_name not in html
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_spanish_patient_gets_the_form_in_spanish(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob, language="es")
    url = form_link_create(checkpoint=checkpoint).replace("https://followup.test", "")
    html = client.get(url).content.decode()
    assert (
        'lang="es"' in html and "Intensidad del dolor" in html and "Enviar mis respuestas" in html
    )


def test_a_full_odi_scores_16_of_50_as_32_percent(client, form_path, checkpoint):
    response = client.post(
        form_path,
        {**odi(2, 2, 2, 2, 2, 2, 1, 1, 1, 1), "vas": "42", "vas_set": "1", "action": "submit"},
    )
    assert response.status_code == 200 and b"Thank you" in response.content
    odi_score = Score.objects.get(checkpoint=checkpoint, kind="ODI")
    assert odi_score.value == Decimal("32.0")
    assert odi_score.details["sum"] == 16 and odi_score.details["answered"] == 10
    assert odi_score.details["band"] == "moderate"
    assert Score.objects.get(checkpoint=checkpoint, kind="VAS").value == Decimal("42")
    answer = Answer.objects.get(checkpoint=checkpoint, question_code="ODI")
    assert answer.instrument == "ODI" and answer.value["pain_intensity"] == 2
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.COMPLETED and checkpoint.next_reminder_at is None


def test_a_skipped_section_scores_16_of_45_as_35_6_percent(client, form_path, checkpoint):
    # The sex-life section (the 8th) is often skipped on purpose: it leaves the denominator.
    client.post(
        form_path,
        {**odi(2, 2, 2, 2, 2, 2, 1, None, 2, 1), "action": "submit", "odi_confirm": "1"},
    )
    score = Score.objects.get(checkpoint=checkpoint, kind="ODI")
    assert score.value == Decimal("35.6") and score.details["answered"] == 9
    assert Answer.objects.get(checkpoint=checkpoint, question_code="ODI").value["sex_life"] is None


def test_too_few_sections_give_no_odi_score_but_keep_the_answers(client, form_path, checkpoint):
    client.post(
        form_path,
        {**odi(1, 1, 1, None, None, None, 1, 1, 1, 1), "action": "submit", "odi_confirm": "1"},
    )
    assert not Score.objects.filter(checkpoint=checkpoint, kind="ODI").exists()
    assert (
        Answer.objects.get(checkpoint=checkpoint, question_code="ODI").value["pain_intensity"] == 1
    )


def test_an_untouched_slider_is_not_recorded_as_a_pain_score(client, form_path, checkpoint):
    client.post(form_path, {**odi(*[1] * 10), "vas": "50", "vas_set": "0", "action": "submit"})
    vas = Answer.objects.get(checkpoint=checkpoint, question_code="VAS")
    assert vas.value is None and vas.status == "unanswered"
    assert not Score.objects.filter(checkpoint=checkpoint, kind="VAS").exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"odi_walking": "6"},
        {"odi_walking": "-1"},
        {"odi_walking": "x"},
        {"vas": "101", "vas_set": "1"},
        {"vas": "abc", "vas_set": "1"},
    ],
)
def test_out_of_range_values_are_refused(client, form_path, checkpoint, bad):
    response = client.post(form_path, {**odi(*[1] * 10), **bad, "action": "submit"})
    assert response.status_code == 200 and b"Some answers are missing" in response.content
    assert not Score.objects.filter(checkpoint=checkpoint, kind="ODI").exists()
    assert Checkpoint.objects.get(pk=checkpoint.pk).status == CheckpointStatus.OPEN


# --- partial saves ------------------------------------------------------------------------------------


def test_a_partial_save_survives_a_reload(client, form_path, checkpoint):
    response = client.post(
        form_path,
        {
            "odi_pain_intensity": "3",
            "odi_walking": "1",
            "vas": "70",
            "vas_set": "1",
            "action": "save",
        },
    )
    assert response.status_code == 200 and b"saved" in response.content
    assert FormDraft.objects.get(checkpoint=checkpoint).data == {
        "odi_pain_intensity": 3,
        "odi_walking": 1,
        "vas": 70,
    }
    html = (
        Client().get(form_path).content.decode()
    )  # a new browser session: only the link is needed
    assert re.search(r'name="odi_pain_intensity" value="3"[^>]*checked', html)
    assert re.search(r'name="odi_walking" value="1"[^>]*checked', html)
    assert 'value="70"' in html
    assert Checkpoint.objects.get(pk=checkpoint.pk).status == CheckpointStatus.OPEN
    assert not Answer.objects.filter(checkpoint=checkpoint, question_code="ODI").exists()


def test_the_autosave_answers_json_and_merges(client, form_path, checkpoint):
    first = client.post(form_path, {"odi_lifting": "2", "action": "save"}, HTTP_X_AUTOSAVE="1")
    assert first.status_code == 200 and first.json() == {"saved": True}
    client.post(
        form_path, {"odi_sitting": "4", "odi_lifting": "9", "action": "save"}, HTTP_X_AUTOSAVE="1"
    )
    # A bad value is dropped, the good one before it is kept.
    assert FormDraft.objects.get(checkpoint=checkpoint).data == {"odi_lifting": 2, "odi_sitting": 4}


# --- once only, CSRF ----------------------------------------------------------------------------------


def test_a_used_link_gets_a_clear_page_and_changes_nothing(client, form_path, checkpoint):
    client.post(form_path, {**odi(*[1] * 10), "action": "submit"})
    again = client.post(form_path, {**odi(*[5] * 10), "action": "submit"})
    assert again.status_code == 410 and b"Already sent" in again.content
    assert client.get(form_path).status_code == 410
    assert Score.objects.get(checkpoint=checkpoint, kind="ODI").value == Decimal("20.0")


def test_every_link_of_the_check_is_spent_once_the_form_is_sent(client, form_path, checkpoint):
    other = form_link_create(checkpoint=checkpoint).replace("https://followup.test", "")
    client.post(form_path, {**odi(*[1] * 10), "action": "submit"})
    assert client.get(other).status_code == 410


def test_a_post_without_the_csrf_token_is_refused(form_path, checkpoint):
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(form_path).status_code == 200
    response = strict.post(form_path, {**odi(*[1] * 10), "action": "submit"})
    assert response.status_code == 403
    assert not Score.objects.filter(checkpoint=checkpoint).filter(kind="ODI").exists()


def test_a_post_with_the_csrf_token_is_accepted(form_path, checkpoint):
    strict = Client(enforce_csrf_checks=True)
    html = strict.get(form_path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = strict.post(
        form_path, {**odi(*[1] * 10), "action": "submit", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    assert Score.objects.filter(checkpoint=checkpoint, kind="ODI").exists()
