"""Item 9: the production configuration. ``check --deploy`` is clean, secrets come only from the
environment, and an end-to-end run (API, webhooks, worker, beat, Twilio) logs no PHI.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from followup.models import Escalation
from notifications.models import OutboundMessage, OutboundStatus

from .conftest import ROOT, SMS_PATH, inbound_params, signed_post, wait_until

pytestmark = [pytest.mark.faults]

STRONG_KEY = "k" * 20 + "9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1908"


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_with_production_settings(stack, report):
    production = {k: v for k, v in stack.env.items() if k != "SECURE_SSL_REDIRECT"}
    clean = _manage(
        {**production, "SECRET_KEY": STRONG_KEY}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "System check identified no issues (0 silenced)" in clean.stdout
    weak = _manage(
        {**production, "SECRET_KEY": "insecure-dev-key-change-me"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert weak.returncode != 0 and "security.W009" in weak.stdout + weak.stderr
    racy = _manage(
        {**stack.env, "TWILIO_TIMEOUT_SECONDS": "10", "OUTBOX_SENDING_TIMEOUT_SECONDS": "15"},
        "check",
    )
    assert racy.returncode != 0 and "notifications.E001" in racy.stdout + racy.stderr
    report(
        scenario="9 check --deploy", production="no issues", weak_key="W009", racy_timeouts="E001"
    )


def test_it_takes_secrets_only_from_the_environment(stack, report):
    env = {k: v for k, v in stack.env.items() if k != "SECRET_KEY"}
    missing = _manage(env, "check")
    assert missing.returncode != 0 and "SECRET_KEY" in missing.stderr
    probe = (
        "from django.conf import settings as s; import os; "
        "print(s.SECRET_KEY == os.environ['SECRET_KEY'], "
        "s.TWILIO_AUTH_TOKEN == os.environ['TWILIO_AUTH_TOKEN'], "
        "s.TWILIO_ACCOUNT_SID == os.environ['TWILIO_ACCOUNT_SID'], s.DEBUG)"
    )
    shown = _manage({**stack.env, "SECRET_KEY": STRONG_KEY}, "shell", "-c", probe)
    last = shown.stdout.strip().splitlines()[-1]
    assert last.split() == ["True", "True", "True", "False"], shown.stdout + shown.stderr
    # Nothing that looks like a credential is written in the code that ships.
    patterns = {
        "Twilio account sid": re.compile(r"\bAC[0-9a-f]{32}\b"),
        "Twilio API key": re.compile(r"\bSK[0-9a-f]{32}\b"),
        "assigned secret": re.compile(
            r"(AUTH_TOKEN|SECRET_KEY|PASSWORD)\s*=\s*['\"][^'\"]{8,}['\"]"
        ),
    }
    found = []
    for package in ("config", "notifications", "followup", "patients"):
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "config" / "settings" / "test.py":
                continue  # the test suite's own fake credentials
            text = path.read_text(errors="replace")
            for what, pattern in patterns.items():
                for match in pattern.finditer(text):
                    if "not-secret" in match.group(0):
                        continue  # benchmark fixtures say so in the value
                    found.append(f"{path.relative_to(ROOT)}: {what}: {match.group(0)[:40]}")
    assert found == [], found
    report(scenario="9 secrets from the environment only", hard_coded=0)


PHI = {
    "first name": "Zebulon",
    "last name": "Quixotewright",
    "MRN": "PHI-MRN-77331",
    "phone": "+15127733119",
    "phone digits": "5127733119",
    "phone, URL-encoded": "%2B15127733119",
    "email": "zebulon.q@example.org",
    "what the patient wrote": "ZQMARKER numb",
}


def test_it_logs_no_phi_during_an_end_to_end_run(
    processes, fake_twilio, site, stack, caplog, report
):
    caplog.set_level("DEBUG")
    processes.worker()
    processes.beat()
    phone = PHI["phone"]
    # The first send is ambiguous: its reconciliation asks Twilio's log for texts to the phone.
    fake_twilio.push("accept_late", to=phone, seconds=2)
    body = site.enrollment_body(
        mrn=PHI["MRN"],
        phone=phone,
        days_ago=20,  # the 2-week check: it asks about breathing first
        first_name=PHI["first name"],
        last_name=PHI["last name"],
        email=PHI["email"],
    )
    assert site.api(stack.web_url, "post", "/api/v1/enrollments/", json=body).status_code == 201
    wait_until(
        lambda: OutboundMessage.objects.filter(to=phone, status="sent").exists(),
        timeout=30,
        what="the first question, reconciled from Twilio's message log",
    )
    fake_twilio.callbacks = True  # from now on Twilio reports delivery to the web server
    fake_twilio.callback_delay = 0.05
    texts = [("yes", "SM" + "e1" * 16), (PHI["what the patient wrote"], "SM" + "e2" * 16)]
    texts.append(("STOP", "SM" + "e3" * 16))
    for text, sid in texts:
        response = signed_post(
            stack.web_url, SMS_PATH, inbound_params(sid=sid, from_=phone, body=text)
        )
        assert response.status_code == 200
    wait_until(
        lambda: Escalation.objects.filter(patient__mrn=PHI["MRN"]).exists(),
        timeout=30,
        what="the worker to take the yes",
    )
    wait_until(
        lambda: (
            not OutboundMessage.objects.filter(
                status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING, OutboundStatus.UNKNOWN]
            ).exists()
        ),
        timeout=30,
        what="every message settled",
        details=lambda: list(
            OutboundMessage.objects.values_list("pk", "channel", "purpose", "status", "last_error")
        ),
    )
    wait_until(lambda: len(fake_twilio.callbacks_sent) >= 2, timeout=10, what="status callbacks")
    logs = stack.logs() + caplog.text
    (Path(stack.logdir) / "phi-scan.txt").write_text(logs)
    leaks = {what: value for what, value in PHI.items() if value.lower() in logs.lower()}
    assert leaks == {}, f"PHI in the logs: {leaks} (see {stack.logdir})"
    report(
        scenario="9 no PHI in logs",
        log_lines_scanned=logs.count("\n"),
        processes=sorted(p.name.split("-")[0] for p in stack.logdir.glob("*.log")),
        texts_sent=len(fake_twilio.messages),
        phi_found=0,
    )
