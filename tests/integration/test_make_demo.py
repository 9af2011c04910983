"""`make demo` on a clean clone: installs, seeds, serves the staff login and the simulator, stops on Ctrl-C."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from scripts.services import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def _get(url: str, opener=None) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _signed_in(base: str, username: str, password: str):
    """An opener with a staff session, signed in through the real login form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, form = _get(f"{base}/accounts/login/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/accounts/login/"}
    )
    opener.open(request, timeout=10).read()
    return opener


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to clone")
def test_make_demo_runs_the_product_from_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL"}
    }
    env.update(
        {"DEMO_PORT": str(port), "DEMO_PATIENTS": "12", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    )
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        ["make", "demo"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 420
        status = 0
        while time.monotonic() < deadline and process.poll() is None:
            if b"Demo running" in (tmp_path / "demo.log").read_bytes():
                status, _ = _get(f"{base}/accounts/login/")
                if status == 200:
                    break
            time.sleep(2)
        output = (tmp_path / "demo.log").read_text(errors="replace")
        assert status == 200, output[-3000:]
        assert "nurse" in output and "/demo/phone/" in output
        status, html = _get(f"{base}/accounts/login/")
        assert status == 200 and "password" in html.lower()
        # The simulator needs a signed-in staff user, even in the demo (issue 20.5).
        status, html = _get(f"{base}/demo/phone/")
        assert status == 200 and "Patient-phone simulator" not in html
        nurse = _signed_in(base, "nurse", os.environ.get("DEMO_PASSWORD", "followup-demo"))
        status, html = _get(f"{base}/demo/phone/", nurse)
        assert status == 200 and "Patient-phone simulator" in html
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
    time.sleep(1)
    leftovers = subprocess.run(
        ["pgrep", "-f", str(clone)], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == [], f"processes left running: {leftovers}"
