"""The harness of ``make bench`` (bench/run.py): its settings, the environment each process gets, the
processes it starts and stops, the data it makes, and helpers the items share.

The items are mixins on top of this class (bench/items.py, bench/webhook_ladder.py,
bench/redflag.py); bench/run.py puts them together and runs them in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.common import (
    PYTHON,
    cpu_ms_per,
    cpu_seconds_by_group,
    load_average,
    machine,
    run_json,
    say,
)
from scripts.processes import Proc
from scripts.services import free_port, pg_bin

ROOT = Path(__file__).resolve().parent.parent

# bench/urls.py's durable view writes here; created before the server starts (two workers
# creating it on their first request would race).
DURABLE_FLOOR_TABLE = (
    "CREATE TABLE IF NOT EXISTS bench_durable_floor (id bigserial PRIMARY KEY, body text NOT NULL, "
    "received_at timestamptz NOT NULL DEFAULT now())"
)

RESULTS = ROOT / "bench" / "results"
ACCOUNT_SID = "AC" + "be" * 16
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+15005550006"
# Up to where the webhook's p99 passes 100 ms: with the publisher's batching its rate still
# rose from 16 to 32 connections (p99 60 ms), so a ladder ending at 32 did not find its limit.
CONNECTIONS = [1, 2, 4, 8, 16, 32, 64, 128]
# One wrk thread drives every step (it needs a fraction of a core at these rates). With two,
# wrk's second thread loaded the script's data while the first was already posting, and those
# early requests counted against a clock that had not started: rates came out 10-35 % high.
WRK_THREADS = 1
# Texts the wrk thread may post in one step (webhook.lua); bench/replies.py prepares enough
# for every step: len(CONNECTIONS) steps x WRK_THREADS x this.
WEBHOOK_BLOCK = 30_000
SWEEP_INTERVAL = 60
# Red flags for item 4, on a settled system, and for the burst step: posted one a second while
# the workers are working through the webhook ladder's backlog (bench/replies.py prepares both).
REDFLAGS_SETTLED = 200
REDFLAGS_IN_BURST = 20
# gunicorn's default sync worker, as README's production command runs it behind a buffering
# proxy. With gthread (4 threads) the webhook cost 0.9 ms of CPU per request instead of 0.7
# (threads waiting on PostgreSQL handing the interpreter lock back and forth) and its p99 passed
# 100 ms at 64 connections; BENCH_GUNICORN_ARGS="-k gthread --threads 4" measures that.
GUNICORN_ARGS = "-k sync"
# A server sized for the data, as production's would be: with PostgreSQL's default 128 MB of
# shared buffers the 2 GB of benchmark data is read through the OS cache on every miss.
PG_SETTINGS = {"shared_buffers": "2GB", "effective_cache_size": "8GB", "work_mem": "16MB"}
# BENCH_PGSS=1: load pg_stat_statements and record the statements that cost the drain of item
# 3 the most (results: webhook.processing.top_statements). Off by default: it costs a little.
STATEMENT_STATS = bool(os.environ.get("BENCH_PGSS"))
if STATEMENT_STATS:
    PG_SETTINGS["shared_preload_libraries"] = "pg_stat_statements"


class Harness:
    def __init__(self, args) -> None:
        self.args = args
        self.logdir = Path(tempfile.mkdtemp(prefix="followup-bench-"))
        self.procs: list[Proc] = []
        self.results: dict = {
            "machine": machine(),
            "postgres_settings": PG_SETTINGS,
            "load_average_start": load_average(),
        }
        self.web_port = free_port()

    # -- environment ----------------------------------------------------------------------------
    def env(self, database: str, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TWILIO_"))}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "SECRET_KEY": "bench-only-" + "x" * 50,
                "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "SECURE_SSL_REDIRECT": "false",
                "DATABASE_URL": database,
                "REDIS_URL": self.redis_url,
                "SMS_BACKEND": "notifications.backends.twilio.TwilioBackend",
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_API_URL": getattr(self, "fake_url", "http://127.0.0.1:9"),
                "TWILIO_TIMEOUT_SECONDS": "5",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{self.web_port}",
                "SMS_RATE_LIMIT_PER_SECOND": "0",
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(extra)
        return env

    def start(self, name: str, cmd: list[str], env: dict) -> Proc:
        self.started = getattr(self, "started", 0) + 1
        proc = Proc.spawn(f"{self.started:02d}-{name}", cmd, env, self.logdir)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc) -> None:
        proc.stop()
        self.procs.remove(proc)

    def workers(self, database: str, **extra: str) -> Proc:
        proc = self.start(
            "worker",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-P",
                "prefork",
                "-c",
                "4",
                "-l",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            self.env(database, LOG_LEVEL="INFO", **extra),
        )
        proc.wait_for_output("ready.")
        return proc

    def purge_queues(self) -> None:
        import redis as redis_client

        client = redis_client.Redis.from_url(self.redis_url)
        for key in client.keys("*"):
            name = key.decode()
            if name in (
                "celery",
                "sweep",
                "bulk",
                "inbound",
                "unacked",
                "unacked_index",
            ) or name.startswith(("_kombu", "sms-rate:")):
                client.delete(key)

    def fake(self, path: str, data: bytes | None = None) -> dict:
        request = urllib.request.Request(
            self.fake_url + path, data=data, method="POST" if data else "GET"
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    # -- shared by the items --------------------------------------------------------------------
    def wanted(self, item: str) -> bool:
        return not self.args.only or item in self.args.only

    def guarded(self, step) -> None:
        """A failing benchmark is recorded and the others still run."""
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - reported in the results, not hidden
            import traceback

            traceback.print_exc()
            self.results.setdefault("errors", {})[step.__name__] = repr(exc)[:2000]

    def prepare_data(self, base: str) -> None:
        host = ["-h", "127.0.0.1", "-p", base.rsplit(":", 1)[1].split("/")[0], "-U", "postgres"]
        self.pg_host = host
        for name in ("bench_sweep", "bench_pages"):
            subprocess.run([str(pg_bin() / "createdb"), *host, name], check=True)
            if STATEMENT_STATS:
                subprocess.run(
                    [
                        str(pg_bin() / "psql"),
                        *host,
                        name,
                        "-c",
                        "create extension pg_stat_statements",
                    ],
                    check=True,
                )
        quick = self.args.quick
        sweep_args = (
            ["20000", "--completed", "6000", "--due", "2000", "--answers", "60000"]
            if quick
            else ["100000", "--completed", "30000", "--due", "10000", "--answers", "300000"]
        ) + ["--open-escalations", "50"]
        pages_args = (
            ["5000", "--answers", "100000", "--open-escalations", "100"]
            if quick
            else ["50000", "--answers", "1000000", "--open-escalations", "300"]
        )
        started = time.monotonic()
        jobs = []
        for database, args in ((self.sweep_db, sweep_args), (self.pages_db, pages_args)):
            env = self.env(database)
            script = (
                f"{PYTHON} manage.py migrate -v0 && {PYTHON} manage.py bench_data {' '.join(args)}"
            )
            jobs.append(
                subprocess.Popen(
                    ["sh", "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
                )
            )
        outputs = []
        for job in jobs:
            out, _ = job.communicate()
            if job.returncode != 0:
                raise RuntimeError(f"bench_data failed:\n{out[-2000:]}")
            outputs.append(json.loads(out.strip().splitlines()[-1]))
        self.data = {"sweep": outputs[0], "pages": outputs[1]}
        time.sleep(20)  # let the machine settle after the load before measuring anything
        self.results["data"] = {**self.data, "seconds_both": round(time.monotonic() - started, 1)}
        say(f"data ready in {time.monotonic() - started:.0f}s")

    def catch_up(self) -> None:
        """One sweep at the real time (not measured): the generated network's checks due since
        the burst open now, so the beat in item 4 finds a normal minute's work, not a day's."""
        subprocess.run(
            [PYTHON, "manage.py", "dispatch_due"],
            cwd=ROOT,
            env=self.env(self.sweep_db),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        time.sleep(6)  # the command's publisher flushes for up to 5 s at exit
        self.purge_queues()

    def with_cpu(self, args: list[str], env: dict) -> dict:
        """``run_json`` with the CPU each part of the bench spent, in ms per item (``count``)."""
        before = cpu_seconds_by_group()
        result = run_json(args, env)
        result["cpu_ms_per_item"] = cpu_ms_per(before, cpu_seconds_by_group(), result["count"])
        return result


def _top_statements(conn, limit: int = 15) -> list[dict]:
    """pg_stat_statements' costliest statements since its last reset, printed and returned."""
    rows = conn.execute(
        "SELECT calls, total_exec_time + total_plan_time, "
        "left(regexp_replace(query, '\\s+', ' ', 'g'), 200) FROM pg_stat_statements "
        "ORDER BY 2 DESC LIMIT %s",
        (limit,),
    ).fetchall()
    found = [
        {"calls": calls, "ms": round(ms, 1), "ms_per_call": round(ms / calls, 3), "query": query}
        for calls, ms, query in rows
        if calls
    ]
    for row in found:
        say(f"   {row['ms']:>9} ms {row['calls']:>7} calls  {row['query'][:110]}")
    return found


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
