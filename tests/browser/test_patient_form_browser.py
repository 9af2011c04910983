"""The patient's web form in a real Chromium at phone size (390x844): a complete answer, a
partial one (told which sections are blank, sent anyway), save-and-finish-later from another
browser, an expired link; and the link's token never leaves in a Referer to another site.

Django's test client sends no ``Origin`` and no ``Referer``; Chromium does, from the page's
Referrer-Policy. With ``no-referrer`` it posted ``Origin: null`` and Django answered 403 to every
patient: only a real browser shows that.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from followup.form_links import form_link_create
from followup.models import Answer, FormDraft, FormLink, Score
from followup.odi import ODI_SECTION_KEYS
from tests.survey_helpers import start_survey

from .conftest import axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = (390, 844)


@pytest.fixture
def form_link(clinic, bob):
    """A patient with the 3-month ESI check open; the path of its form link on the live server."""
    checkpoint = start_survey(clinic=clinic, physician=bob)
    url = form_link_create(checkpoint=checkpoint)
    return checkpoint, url.replace("https://followup.test", "")


@pytest.fixture
def posts(open_page):
    """Every POST the page makes, with the headers Chromium really sent, and its status."""
    seen: list[dict] = []

    def watch(page):
        page.on(
            "response",
            lambda response: (
                seen.append(
                    {
                        "url": response.url,
                        "status": response.status,
                        "headers": response.request.all_headers(),
                    }
                )
                if response.request.method == "POST"
                else None
            ),
        )
        return page

    return seen, watch


def choose(page, section: str, score: int) -> None:
    page.locator(f'input[name="odi_{section}"][value="{score}"]').check()


def test_a_patient_sends_the_whole_form_from_a_phone(open_page, posts, form_link):
    checkpoint, path = form_link
    seen, watch = posts
    page = watch(open_page(*PHONE))
    response = page.goto(path)
    assert response.status == 200
    assert response.headers["referrer-policy"] == "same-origin"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert axe_violations(page) == []
    screenshot(page, "patient-form", full_page=False)

    for section, score in zip(ODI_SECTION_KEYS, (2, 2, 2, 2, 2, 2, 1, 1, 1, 1), strict=True):
        choose(page, section, score)
    slider = page.locator('input[type="range"]')
    slider.focus()
    slider.fill("42")  # a real input event: the page marks the slider as moved
    assert page.locator("#id_vas_out").inner_text() == "42"
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()

    assert "Thank you" in page.locator("h1").inner_text()
    submit = [p for p in seen if p["url"].endswith(path) and p["status"] != 0][-1]
    # The browser's real headers: an Origin of this site (not "null"), accepted by CSRF.
    assert submit["status"] == 200
    assert submit["headers"].get("origin", "").startswith("http://localhost")
    assert submit["headers"].get("referer", "").endswith(path)
    score = Score.objects.get(checkpoint=checkpoint, kind="ODI")
    assert score.value == Decimal("32.0") and score.details["answered"] == 10
    assert Score.objects.get(checkpoint=checkpoint, kind="VAS").value == Decimal("42")
    # The link is spent (the text questions of this check are still answered by SMS).
    assert FormLink.objects.get(checkpoint=checkpoint).used_at is not None
    assert FormDraft.objects.get(checkpoint=checkpoint).submitted_at is not None
    screenshot(page, "patient-form-thanks", full_page=False)


def test_a_partial_form_names_the_blank_sections_and_may_be_sent_anyway(open_page, form_link):
    checkpoint, path = form_link
    page = open_page(*PHONE)
    page.goto(path)
    for section in ODI_SECTION_KEYS[:3]:
        choose(page, section, 3)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my answers").click()

    notice = page.locator("#odi-missing")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "4. Walking" in text and "10. Travelling" in text and "1. Pain intensity" not in text
    assert "no disability score" in text
    assert not Answer.objects.filter(checkpoint=checkpoint, question_code="ODI").exists()
    # What was chosen is still chosen.
    assert page.locator('input[name="odi_pain_intensity"][value="3"]').is_checked()
    assert axe_violations(page) == []
    screenshot(page, "patient-form-missing-sections", full_page=False)

    with page.expect_navigation():
        page.get_by_role("button", name="Send without these sections").click()
    assert "Thank you" in page.locator("h1").inner_text()
    odi = Answer.objects.get(checkpoint=checkpoint, question_code="ODI").value
    assert odi["pain_intensity"] == 3 and odi["walking"] is None
    assert not Score.objects.filter(checkpoint=checkpoint, kind="ODI").exists()  # 3 < 8


def test_save_and_finish_later_on_another_browser(open_page, browser, live_server, form_link):
    checkpoint, path = form_link
    page = open_page(*PHONE)
    page.goto(path)
    choose(page, "pain_intensity", 4)
    choose(page, "sleeping", 1)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and finish later").click()
    assert "Your answers so far are saved" in page.locator("[role=status]").inner_text()
    assert FormDraft.objects.get(checkpoint=checkpoint).data == {
        "odi_pain_intensity": 4,
        "odi_sleeping": 1,
    }

    # Later, the same link on a fresh browser (no cookies): the answers are there.
    later = open_page(*PHONE)
    later.goto(path)
    assert later.locator('input[name="odi_pain_intensity"][value="4"]').is_checked()
    assert later.locator('input[name="odi_sleeping"][value="1"]').is_checked()
    for section in ODI_SECTION_KEYS:
        if section not in ("pain_intensity", "sleeping"):
            choose(later, section, 0)
    with later.expect_navigation():
        later.get_by_role("button", name="Send my answers").click()
    assert "Thank you" in later.locator("h1").inner_text()
    assert Score.objects.get(checkpoint=checkpoint, kind="ODI").value == Decimal("10.0")


def test_an_expired_link_says_so_plainly(open_page, form_link):
    checkpoint, path = form_link
    FormLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = open_page(*PHONE)
    response = page.goto(path)
    assert response.status == 410
    assert "This link has expired" in page.locator("h1").inner_text()
    assert checkpoint.enrollment.clinic.phone in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "patient-form-expired", full_page=False)


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen.append({"path": self.path, "referer": self.headers.get("Referer")})
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>other site</title>")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def other_site():
    """Another site on 127.0.0.1 (another origin) that records the Referer it is sent."""
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.seen
    server.shutdown()
    server.server_close()


def test_the_token_never_reaches_another_site_in_a_referer(open_page, form_link, other_site):
    _, path = form_link
    base, seen = other_site
    token = path.strip("/").rsplit("/", 1)[1]
    page = open_page(*PHONE)
    page.goto(path)
    # A link the patient follows, and an image a page could load, both to another origin.
    page.evaluate(
        """(base) => {
            const img = document.createElement('img'); img.src = base + '/pixel'; img.alt = '';
            document.body.appendChild(img);
            const a = document.createElement('a'); a.href = base + '/away'; a.id = 'away';
            a.textContent = 'away'; document.body.appendChild(a);
        }""",
        base,
    )
    page.wait_for_function("document.querySelector('img[src$=\"/pixel\"]').complete")
    with page.expect_navigation():
        page.locator("#away").click()
    paths = {entry["path"]: entry["referer"] for entry in seen}
    assert set(paths) >= {"/pixel", "/away"}
    assert paths["/pixel"] is None and paths["/away"] is None
    assert all(token not in (entry["referer"] or "") for entry in seen)
