"""`make test`: start throwaway PostgreSQL and Redis, run the checks and the suite, stop them.

Exit status is non-zero on any failure, including pytest's "no tests collected" (5).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.services import postgres, redis  # noqa: E402


def run(cmd: list[str], env: dict) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    started = time.monotonic()
    python = sys.executable
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
    print(f"make test: pytest exit {code} in {time.monotonic() - started:.0f}s", flush=True)
    if code == 5:
        print("pytest collected no tests: counted as a failure", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
