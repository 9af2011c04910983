"""A real headless Chromium (Debian's) driven by Playwright against pytest-django's live server.

Playwright's sync API runs an asyncio loop in this thread, which makes Django refuse ORM calls
from it ("async unsafe"); the tests only touch the ORM between browser steps, never concurrently,
so that guard is switched off while the browser is up (and only then).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browser-deps` (or set CHROMIUM_PATH)"
        )
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(browser, live_server, settings):
    """``open_page(width, height)``: a fresh browser context (no cookies) on the live server.

    The staff pages send a Content-Security-Policy (config/csp.py): anything it blocks is a
    console error, and a test that saw one fails at teardown. axe-core comes in as an init
    script, which the policy does not apply to (an inline script tag would be refused)."""
    settings.TRIAGE_POLL_SECONDS = 1
    contexts = []
    refused: list[str] = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            base_url=live_server.url,
            locale="en-US",
            timezone_id="America/Chicago",
        )
        context.add_init_script(path=str(AXE))
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert refused == [], "the Content-Security-Policy refused something:\n" + "\n".join(refused)


def sign_in(page, username: str, password: str = "pw-for-tests-1") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core in the page; the violations of the given impacts, summarised."""
    assert page.evaluate("typeof window.axe !== 'undefined'"), "axe-core is an init script"
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'],"
        " runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save to artifacts/screenshots (git-ignored). With UPDATE_DOCS_SCREENSHOTS=1 also copy to
    docs/screenshots, the committed pictures the README shows (not on every run: they would churn)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")
    return path
