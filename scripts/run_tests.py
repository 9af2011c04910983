"""`make test`: start throwaway PostgreSQL and Redis, run the checks and the suite, stop them.

Exit status is non-zero on any failure, including pytest's "no tests collected" (5).
When the whole suite is asked for (no test paths), SQLITE_SUBSET then runs again on SQLite, the
demo's database; ``--sqlite-only [pytest args]`` runs only that subset (no PostgreSQL needed).
Set SKIP_SQLITE=1 to leave the SQLite run out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.services import postgres, redis  # noqa: E402


def run(cmd: list[str], env: dict) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


# The paths the demo's embedded SQLite must run as well as PostgreSQL (issue 18): the sweep
# (one-row and batch paths, their parity test), the conversation, red flags and escalation, the
# web form, the worklists and the outcome figures (a truncating division hid there). Tests
# marked postgres_only are skipped there (tests/conftest.py).
SQLITE_SUBSET = [
    "tests/followup/test_dispatch.py",
    "tests/followup/test_dispatch_batch.py",
    "tests/followup/test_reminders.py",
    "tests/followup/test_conversation.py",
    "tests/followup/test_conversation_keywords.py",
    "tests/followup/test_redflag_rules.py",
    "tests/followup/test_escalation_from_text.py",
    "tests/followup/test_escalation_chain.py",
    "tests/followup/test_escalation_safety_texts.py",
    "tests/followup/test_one_incident_per_text.py",
    "tests/followup/test_webform.py",
    "tests/followup/test_webform_odi_missing.py",
    "tests/followup/test_triage_worklists.py",
    "tests/followup/test_worklist_skipped.py",
    "tests/followup/test_words_not_codes.py",
    "tests/followup/test_exports_csv.py",
    "tests/followup/test_outcomes_pages.py",
    "tests/followup/test_diary_sending.py",
    "tests/patients/test_audit.py",
    "tests/followup/test_checklist_conversation.py",
    "tests/followup/test_form_fallback.py",
]


def run_sqlite(env: dict, extra: list[str]) -> int:
    """The SQLite subset, on a throwaway database file (pytest-django makes its own test DB)."""
    with tempfile.TemporaryDirectory(prefix="followup-sqlite-") as tmp:
        sqlite_env = {**env, "DATABASE_URL": f"sqlite:///{tmp}/test.sqlite3"}
        print("SQLite run: the sweep, the conversation and the red-flag path", flush=True)
        return run(
            [sys.executable, "-m", "pytest", "-m", "not integration and not browser", *extra]
            + SQLITE_SUBSET,
            sqlite_env,
        )


def _has_paths(argv: list[str]) -> bool:
    return any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in argv)


def main(argv: list[str]) -> int:
    started = time.monotonic()
    python = sys.executable
    if argv[:1] == ["--sqlite-only"]:
        # No PostgreSQL needed; still a Redis for settings that read REDIS_URL.
        with redis() as redis_server:
            env = {
                **os.environ,
                "REDIS_URL": redis_server.url,
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
                "PYTHONUNBUFFERED": "1",
            }
            code = run_sqlite(env, argv[1:])
        return 1 if code == 5 else code
    with postgres() as database_url, redis() as redis_server:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_server.url,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PYTHONUNBUFFERED": "1",
        }
        print(f"PostgreSQL at {database_url}; Redis at {redis_server.url}", flush=True)
        checks = [
            [python, "manage.py", "check"],
            [python, "manage.py", "makemigrations", "--check", "--dry-run"],
        ]
        for cmd in checks:
            if run(cmd, env) != 0:
                print("FAILED:", " ".join(cmd), file=sys.stderr)
                return 1
        code = run([python, "-m", "pytest", *argv], env)
        if code == 0 and not _has_paths(argv) and os.environ.get("SKIP_SQLITE") != "1":
            # The whole suite was asked for: the demo's database runs its subset too.
            code = run_sqlite(env, ["-q"])
    print(f"make test: pytest exit {code} in {time.monotonic() - started:.0f}s", flush=True)
    if code == 5:
        print("pytest collected no tests: counted as a failure", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
