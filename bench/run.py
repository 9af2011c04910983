"""``make bench``: measure the hot paths against their limits, each beside a baseline of the same run.

Starts its own PostgreSQL and Redis (scripts/services.py), fills two databases with
``manage.py bench_data`` (the sweep's: 100,000 active enrollments; the pages': 50,000 enrollments
and about 1,000,000 answers), then runs, in order:

1. the sweep (in-process, bench/sweep.py): idle and the 10,000-check burst;
2. Celery throughput with 4 worker processes: SMS sends to the fake Twilio vs no-op tasks, and
   the per-sender rate limit honoured;
3. the inbound webhook under gunicorn (2 workers) with wrk at rising concurrency, vs a trivial
   view, and vs a view that only commits the posted body (the floor of any webhook that stores
   the text before answering); with 6. the memory of web and workers at rest and under that load;
4. red flag to page: 200 signed "yes" answers, each to the page reaching the fake Twilio, with
   the beat running (its interval in the results), vs a view that queues one text;
5. the staff pages on the 50,000-enrollment database (bench/pages.py).

Prints a table (figure, baseline, ratio, target) and writes bench/results/latest.json.
``--quick`` runs everything on small data (minutes, for development; its figures mean little).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    PYTHON,
    cpu_ms_per,
    cpu_seconds_by_group,
    load_average,
    machine,
    percentile,
    rss_mb,
    run_json,
    say,
    wait_http,
)
from scripts.processes import Proc  # noqa: E402
from scripts.services import free_port, pg_bin, postgres, redis  # noqa: E402

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


class Bench:
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

    # -- the run --------------------------------------------------------------------------------
    def run(self) -> dict:
        with postgres(settings=PG_SETTINGS) as base, redis() as redis_server:
            self.redis_url = redis_server.url
            self.sweep_db = base.rsplit("/", 1)[0] + "/bench_sweep"
            self.pages_db = base.rsplit("/", 1)[0] + "/bench_pages"
            try:
                self.prepare_data(base)
                self.bench_sweep()
                fake = self.start(
                    "fake-twilio",
                    [
                        PYTHON,
                        "-m",
                        "tests.fakes.fake_twilio",
                        "--port",
                        "0",
                        "--account-sid",
                        ACCOUNT_SID,
                        "--auth-token",
                        AUTH_TOKEN,
                    ],
                    self.env(self.sweep_db),
                )
                deadline = time.monotonic() + 30
                while not re.search(r"http://\S+", fake.log.read_text()):
                    if time.monotonic() > deadline:
                        raise RuntimeError(fake.output())
                    time.sleep(0.1)
                self.fake_url = re.search(r"http://\S+", fake.log.read_text()).group(0)
                self.catch_up()
                for step in (self.bench_send, self.bench_webhook, self.bench_redflag):
                    if self.wanted(step.__name__.removeprefix("bench_")):
                        self.guarded(step)
                for proc in list(self.procs):
                    self.stop(proc)
                if self.wanted("pages"):
                    self.guarded(self.bench_pages)
            finally:
                for proc in list(self.procs):
                    proc.stop()
        self.results["load_average_end"] = load_average()
        return self.results

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

    def bench_sweep(self) -> None:
        """The burst can run once per database: twice on copies, then on the database the
        later items use. The figure is the median of the three (all three are kept)."""
        say("1. sweep")
        extra = {
            "BENCH_AS_OF": self.data["sweep"]["as_of"],
            "BENCH_IDLE_AS_OF": self.data["sweep"]["idle_as_of"],
        }
        runs = []
        for number in (1, 2) if self.wanted("sweep") else ():
            copy = f"bench_sweep_copy{number}"
            subprocess.run(
                [str(pg_bin() / "createdb"), *self.pg_host, "-T", "bench_sweep", copy], check=True
            )
            copy_url = self.sweep_db.rsplit("/", 1)[0] + "/" + copy
            runs.append(run_json(["-m", "bench.sweep", "burst"], self.env(copy_url, **extra)))
            subprocess.run([str(pg_bin() / "dropdb"), *self.pg_host, copy], check=True)
        result = run_json(["-m", "bench.sweep"], self.env(self.sweep_db, **extra))
        runs.append(result["burst"])
        result["burst_runs"] = runs
        result["burst"] = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
        self.results["sweep"] = result

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

    def bench_send(self) -> None:
        say("2. send throughput")
        count = "600" if self.args.quick else "3000"
        worker = self.workers(self.sweep_db)
        env = self.env(self.sweep_db)
        noop = self.with_cpu(["-m", "bench.send", "noop", count], env)
        send = self.with_cpu(["-m", "bench.send", "send", count], env)
        bulk = self.with_cpu(["-m", "bench.send", "send-bulk", count], env)
        self.stop(worker)
        # The limit honoured: 20 a second, no burst for check openings beyond one token.
        self.fake("/_fake/reset", b"{}")
        worker = self.workers(
            self.sweep_db, SMS_RATE_LIMIT_PER_SECOND="20", SMS_RATE_LIMIT_BURST="2"
        )
        paced = run_json(["-m", "bench.send", "send", "200"], env)
        times = sorted(m["time"] for m in self.fake("/_fake/messages")["messages"])

        def most_within(seconds: float) -> int:
            return max(sum(1 for t in times if start <= t < start + seconds) for start in times)

        paced |= {
            "limit_per_second": 20,
            "burst": 2,
            # Arrival times at the fake: a worker's HTTP call adds a few ms of jitter after the
            # token, so one second can hold a message or two more; five seconds cannot.
            "max_in_any_second": most_within(1.0),
            "max_in_any_5_seconds": most_within(5.0),
            "achieved_per_second": round((len(times) - 1) / (times[-1] - times[0]), 1),
        }
        self.stop(worker)
        self.results["send"] = {"noop": noop, "send": send, "bulk": bulk, "rate_limited": paced}

    def with_cpu(self, args: list[str], env: dict) -> dict:
        """``run_json`` with the CPU each part of the bench spent, in ms per item (``count``)."""
        before = cpu_seconds_by_group()
        result = run_json(args, env)
        result["cpu_ms_per_item"] = cpu_ms_per(before, cpu_seconds_by_group(), result["count"])
        return result

    def bench_webhook(self) -> None:
        say("3. inbound webhook (and 6. memory)")
        data = self.logdir / "requests.lua"
        env = self.env(self.sweep_db, BENCH_AS_OF=self.data["sweep"]["as_of"])
        self.replies = run_json(
            ["-m", "bench.replies", "prepare", str(data), str(self.logdir / "redflags.json")], env
        )
        # The web tier is measured alone (item 3 names gunicorn and PostgreSQL): on this 2-core
        # machine, workers processing the stored texts would take the cores from it. Their
        # throughput is measured next, draining what the web tier stored.
        worker = self.workers(self.sweep_db)
        worker_rest_mb = rss_mb(worker.pid)
        self.stop(worker)
        subprocess.run(
            [str(pg_bin() / "psql"), *self.pg_host, "-qc", DURABLE_FLOOR_TABLE, "bench_sweep"],
            check=True,
        )
        web = self.start(
            "web",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-b",
                f"127.0.0.1:{self.web_port}",
                "-w",
                "2",
                *os.environ.get("BENCH_GUNICORN_ARGS", GUNICORN_ARGS).split(),
                "--timeout",
                "30",
            ],
            self.env(self.sweep_db),
        )
        self.web = web
        base = f"http://127.0.0.1:{self.web_port}"
        wait_http(base + "/bench/noop/")
        time.sleep(2)
        memory = {"web_rest_mb": rss_mb(web.pid), "worker_rest_mb": worker_rest_mb}
        peaks = {"web": 0.0, "worker": 0.0}
        sampling = threading.Event()

        def sample() -> None:
            while not sampling.wait(0.5):
                peaks["web"] = max(peaks["web"], rss_mb(web.pid))
                if getattr(self, "worker", None) is not None:
                    peaks["worker"] = max(peaks["worker"], rss_mb(self.worker.pid))

        steps: dict[str, list] = {
            "noop": [],
            "noop_webhook_stack": [],
            "durable": [],
            "webhook": [],
        }
        offset = 0
        duration = "4s" if self.args.quick else "8s"
        targets = (
            ("noop", "/bench/noop/"),
            ("noop_webhook_stack", "/webhooks/bench/noop/"),
            ("durable", "/webhooks/bench/durable/"),
            ("webhook", "/webhooks/twilio/sms/"),
        )
        for target, path in targets:
            if target == "webhook":
                threading.Thread(target=sample, daemon=True).start()
            for connections in CONNECTIONS:
                threads = WRK_THREADS
                cpu_before = cpu_seconds_by_group()
                run = subprocess.run(
                    [
                        "wrk",
                        "-t",
                        str(threads),
                        "-c",
                        str(connections),
                        "-d",
                        duration,
                        "--timeout",
                        "5s",
                        "-s",
                        str(ROOT / "bench" / "webhook.lua"),
                        base + path,
                        "--",
                        str(data),
                        path,
                        str(offset if target == "webhook" else 0),
                        str(threads),
                        str(WEBHOOK_BLOCK),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(run.stdout.split("WRKJSON", 1)[1].strip().splitlines()[0])
                if target == "webhook":
                    # Each wrk thread has a block of WEBHOOK_BLOCK texts of its own (webhook.lua).
                    # A step whose thread ran past its block, or past the prepared texts, posted
                    # repeats (answered without an insert or a publish) and is not counted.
                    figures["repeated_texts"] = (
                        figures["most_per_thread"] > WEBHOOK_BLOCK
                        or offset + threads * WEBHOOK_BLOCK > self.replies["requests"]
                    )
                    offset += threads * WEBHOOK_BLOCK
                figures["connections"] = connections
                figures["cpu_ms_per_request"] = cpu_ms_per(
                    cpu_before, cpu_seconds_by_group(), figures["requests"]
                )
                figures["per_second"] = round(
                    figures["requests"] / (figures["duration_us"] / 1e6), 1
                )
                steps[target].append(figures)
                say(
                    f"   {target} c={connections}: {figures['per_second']}/s "
                    f"p50 {figures['p50_us'] / 1000:.1f} ms p99 {figures['p99_us'] / 1000:.1f} ms"
                )
        stored = sum(step["requests"] for step in steps["webhook"])
        self.worker = self.workers(self.sweep_db)
        drain = self._drain(stored)
        sampling.set()
        memory |= {"web_load_mb": peaks["web"], "worker_load_mb": peaks["worker"]}
        self.results["webhook"] = {
            "steps": steps,
            "requests_prepared": self.replies,
            "processing": drain,
        }
        self.results["memory"] = memory

    def _redflags(self) -> dict[str, list[dict]]:
        flags = json.loads((self.logdir / "redflags.json").read_text())["redflags"]
        burst, settled = flags[-REDFLAGS_IN_BURST:], flags[:-REDFLAGS_IN_BURST]
        return {"burst": burst, "settled": settled[: 50 if self.args.quick else REDFLAGS_SETTLED]}

    def _post_signed(self, item: dict) -> None:
        from urllib.parse import urlencode

        conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=30)
        conn.request(
            "POST",
            "/webhooks/twilio/sms/",
            urlencode(item["params"]),
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": item["signature"],
            },
        )
        response = conn.getresponse()
        reply = response.read().decode()
        assert response.status == 200, reply[:300]

    def _redflags_in_burst(self, backlog: dict, stop: threading.Event, posted: dict) -> None:
        """Post the burst's red flags one a second from 5 s into the drain. Fills ``posted``
        (shared with the caller, which waits on this thread): phone -> posting time, the
        MessageSids, and the texts then waiting ahead of each."""
        posted.update(times={}, sids=[], backlog=[])
        if stop.wait(5):
            return
        for item in self._redflags()["burst"]:
            posted["times"][item["phone"]] = time.time()
            posted["sids"].append(item["params"]["MessageSid"])
            self._post_signed(item)
            posted["backlog"].append(backlog.get("received", 0))
            if stop.wait(1):
                break

    def _redflag_burst_latency(self, burst: dict, since: str) -> dict:
        """Page and safety-text latency of the red flags posted during the drain."""
        posted = burst.get("times", {})
        codes, latencies, safety = self._page_and_safety_latencies(posted, since, limit=30)
        backlog = burst.get("backlog", [])
        import psycopg

        with psycopg.connect(self.sweep_db, autocommit=True) as conn:
            statuses = dict(
                conn.execute(
                    "SELECT status, count(*) FROM notifications_inboundmessage "
                    "WHERE message_sid = ANY(%s) GROUP BY status",
                    [burst.get("sids", [])],
                ).fetchall()
            )
        return {
            "flags": len(posted),
            "texts": statuses,
            "escalations": len(codes),
            "paged": len(latencies),
            "p50_s": _round(percentile(latencies, 50)),
            "p99_s": _round(percentile(latencies, 99)),
            "max_s": _round(max(latencies) if latencies else None),
            "safety_texts": len(safety),
            "safety_p99_s": _round(percentile(safety, 99)),
            "backlog_min": min(backlog, default=0),
            "backlog_max": max(backlog, default=0),
        }

    def _settle(self, limit: float = 300) -> float:
        """Wait until the queues are empty: the texts item 3's replies caused are still going
        out. Item 4 measures a red flag on a settled system (docs/benchmarks.md says what a
        flag arriving in the middle of the burst waits for)."""
        import redis as redis_client

        client = redis_client.Redis.from_url(self.redis_url)
        started = time.monotonic()
        while time.monotonic() - started < limit:
            if not any(client.llen(q) for q in ("celery", "bulk", "inbound", "sweep")):
                break
            time.sleep(0.5)
        waited = round(time.monotonic() - started, 1)
        say(f"   queues empty after {waited}s")
        return waited

    def _drain(self, posted: int) -> dict:
        """Time 4 worker processes taking the stored texts (conversation, scores, screening,
        escalation, outbox rows) for up to a minute. What is left then is set aside (deleted,
        its tasks purged) so item 4 does not wait behind it."""
        import psycopg

        window = 30 if self.args.quick else 60
        say(f"   processing stored texts with 4 worker processes for up to {window}s")
        started = time.monotonic()
        with psycopg.connect(self.sweep_db, autocommit=True) as conn:

            def counts(*, waiting_only: bool = False) -> dict:
                # While polling, only the rows still waiting (the partial index
                # inbound_unprocessed_idx): counting the whole table every 0.2 s took a
                # core's worth of PostgreSQL from the workers being measured.
                rows = conn.execute(
                    "SELECT status, count(*) FROM notifications_inboundmessage "
                    "WHERE message_sid LIKE 'SMload%%'"
                    + (" AND status <> 'processed'" if waiting_only else "")
                    + " GROUP BY status"
                ).fetchall()
                return dict(rows)

            stored = sum(counts().values())
            from datetime import UTC, datetime

            since = datetime.now(UTC).isoformat()
            backlog: dict = {}
            stop = threading.Event()
            burst: dict = {}
            poster = threading.Thread(
                target=self._redflags_in_burst, args=(backlog, stop, burst), daemon=True
            )
            started = time.monotonic()
            cpu_before = cpu_seconds_by_group()
            if STATEMENT_STATS:
                conn.execute("SELECT pg_stat_statements_reset()")
            poster.start()
            while True:
                now = counts(waiting_only=True)
                backlog.clear()
                backlog.update(now)
                if not now.get("received") and not now.get("processing"):
                    break
                if time.monotonic() - started > window:
                    break
                time.sleep(0.5)
            seconds = time.monotonic() - started
            cpu_after = cpu_seconds_by_group()
            statements = _top_statements(conn) if STATEMENT_STATS else None
            stop.set()
            poster.join(30)
            # Before the workers stop: the burst's red flags must have been paged by now.
            self.results["redflag_burst"] = self._redflag_burst_latency(burst, since)
            say(f"   red flags during the burst: {self.results['redflag_burst']}")
            self.stop(self.worker)
            final = counts()
            conn.execute(
                "DELETE FROM notifications_inboundmessage "
                "WHERE message_sid LIKE 'SMload%' AND status = 'received'"
            )
        self.purge_queues()
        self.worker = self.workers(self.sweep_db)
        processed = final.get("processed", 0)
        figures = {
            # Every part's CPU over the window, per text processed (the workers' share includes
            # sending each reply; PostgreSQL's, every statement of both).
            "cpu_ms_per_text": cpu_ms_per(cpu_before, cpu_after, processed),
            **({"top_statements": statements} if statements else {}),
            "posted_with_200": posted,
            "stored": stored,
            "statuses": final,
            "seconds": round(seconds, 1),
            "per_second": round(processed / seconds, 1),
            "set_aside": final.get("received", 0),
        }
        say(f"   processed {figures['per_second']}/s: {final}")
        return figures

    def bench_redflag(self) -> None:
        say("4. red flag to page")
        beat = self.start(
            "beat",
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(self.logdir / "celerybeat-schedule"),
            ],
            self.env(self.sweep_db, SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL), LOG_LEVEL="INFO"),
        )
        beat.wait_for_output("beat: Starting")
        self.results["redflag_settle_s"] = self._settle()
        self.fake("/_fake/reset", b"{}")
        flags = self._redflags()["settled"]
        posted: dict[str, float] = {}
        from datetime import UTC, datetime

        since = datetime.now(UTC).isoformat()
        for item in flags:
            posted[item["phone"]] = time.time()
            self._post_signed(item)
            time.sleep(0.25)
        _, latencies, safety = self._page_and_safety_latencies(posted, since, limit=90)
        # Baseline: a view that queues one text straight away, the same way to the fake.
        pinged: dict[str, float] = {}
        for number in range(len(flags) // 2):
            key = f"ping-{number}"
            conn = http.client.HTTPConnection("127.0.0.1", self.web_port, timeout=30)
            pinged[key] = time.time()
            conn.request("GET", f"/bench/ping-sms/?to=%2B15005550100&body={key}")
            conn.getresponse().read()
            time.sleep(0.25)
        base = self._wait_for_texts({key: key for key in pinged}, pinged, exact=True)
        self.stop(beat)
        self.results["redflag"] = {
            "flags": len(flags),
            "paged": len(latencies),
            "p50_s": _round(percentile(latencies, 50)),
            "p99_s": _round(percentile(latencies, 99)),
            "max_s": _round(max(latencies) if latencies else None),
            "beat_interval_s": SWEEP_INTERVAL,
            "safety_texts": len(safety),
            "safety_p50_s": _round(percentile(safety, 50)),
            "safety_p99_s": _round(percentile(safety, 99)),
            "baseline_p50_s": _round(percentile(base, 50)),
            "baseline_p99_s": _round(percentile(base, 99)),
        }

    def _page_and_safety_latencies(
        self, posted: dict[str, float], since: str, *, limit: float
    ) -> tuple[dict, list[float], list[float]]:
        """For red flags posted at ``posted`` (phone -> time): the escalation codes they opened,
        then the seconds until each page (which quotes its code) and each patient's own safety
        instruction ("call 911 ...") reached the fake Twilio, each wait up to ``limit``."""
        env = self.env(self.sweep_db)
        codes: dict = {}
        deadline = time.monotonic() + min(limit, 60)
        while len(codes) < len(posted) and time.monotonic() < deadline:
            codes = run_json(["-m", "bench.replies", "codes", since, *posted], env)
            if len(codes) < len(posted):
                time.sleep(2)
        latencies = self._wait_for_texts(
            {phone: f"flag {code}." for phone, code in codes.items()}, posted, limit=limit
        )
        safety = self._wait_for_texts(
            {phone: "911" for phone in posted},
            posted,
            to={phone: phone for phone in posted},
            limit=limit,
        )
        return codes, latencies, safety

    def _wait_for_texts(
        self,
        needles: dict[str, str],
        started: dict[str, float],
        *,
        exact: bool = False,
        to: dict[str, str] | None = None,
        limit: float = 90,
    ):
        deadline = time.monotonic() + limit
        found: dict[str, float] = {}
        while time.monotonic() < deadline and len(found) < len(needles):
            for message in self.fake("/_fake/messages")["messages"]:
                for key, needle in needles.items():
                    if to is not None and message["to"] != to[key]:
                        continue
                    if key not in found and (
                        message["body"] == needle if exact else needle in message["body"]
                    ):
                        found[key] = message["time"] - started[key]
            time.sleep(1)
        return list(found.values())

    def bench_pages(self) -> None:
        say("5. staff pages")
        env = self.env(
            self.pages_db,
            BENCH_USER=self.data["pages"]["user"],
            BENCH_PAGE_RUNS="10" if self.args.quick else "30",
        )
        self.results["pages"] = run_json(["-m", "bench.pages"], env)


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


# --- the report ------------------------------------------------------------------------------------
def summary(results: dict) -> list[dict]:
    """One row per figure: value, baseline of the same run, ratio, target, pass."""
    rows = []

    def add(name, value, unit, baseline, baseline_label, target, ok, ratio=None):
        if ratio is None and value is not None and baseline:
            ratio = round(value / baseline, 2)
        rows.append(
            {
                "figure": name,
                "value": value,
                "unit": unit,
                "baseline": baseline,
                "baseline_is": baseline_label,
                "ratio": ratio,
                "target": target,
                "pass": ok,
            }
        )

    sweep = results.get("sweep")
    if sweep:
        burst, idle = sweep["burst"], sweep["idle"]
        add(
            f"sweep: open {burst['opened']:,} due checks + outbox rows (median of 3)",
            burst["seconds"],
            "s",
            sweep["floor_s"],
            "the same writes as 2 plain SQL statements",
            "<= 2 s",
            burst["seconds"] <= 2.0,
        )
        add(
            "sweep: one-by-one path it replaced (per 1,000 checks)",
            sweep["one_by_one_s_per_1000"],
            "s",
            None,
            "",
            "(before)",
            None,
        )
        add(
            "sweep: nothing due (p50 of 20)",
            idle["p50_ms"],
            "ms",
            idle["bare_selects_p50_ms"],
            "its SELECTs run bare",
            "<= 50 ms, index scans",
            idle["p50_ms"] <= 50 and not idle["seq_scans_on_queue_tables"],
        )
    send = results.get("send")
    if send:
        add(
            "send: SMS to fake Twilio, 4 worker processes",
            send["send"]["per_second"],
            "msg/s",
            send["noop"]["per_second"],
            "no-op task, same workers",
            "ratio >= 0.5",
            send["send"]["per_second"] / send["noop"]["per_second"] >= 0.5,
        )
        add(
            "send: check openings in chunks on the bulk queue",
            send["bulk"]["per_second"],
            "msg/s",
            send["noop"]["per_second"],
            "no-op task, same workers",
            "ratio >= 0.5",
            send["bulk"]["per_second"] / send["noop"]["per_second"] >= 0.5,
        )
        paced = send["rate_limited"]
        add(
            "send: paced at 20/s (burst 2), most in any 5 s",
            paced["max_in_any_5_seconds"],
            "msg",
            5 * paced["limit_per_second"],
            "5 s at the limit",
            "<= 5 x limit + burst",
            paced["max_in_any_5_seconds"] <= 5 * paced["limit_per_second"] + paced["burst"],
        )
        add(
            "send: paced at 20/s, most in any 1 s (arrival jitter)",
            paced["max_in_any_second"],
            "msg",
            paced["limit_per_second"],
            "the limit",
            "",
            None,
        )
        add(
            "send: paced at 20/s, achieved over the run",
            paced["achieved_per_second"],
            "msg/s",
            paced["limit_per_second"],
            "the limit",
            "<= limit",
            paced["achieved_per_second"] <= paced["limit_per_second"] * 1.02,
        )
    hook = results.get("webhook")
    if hook:
        best = {}
        for target, steps in hook["steps"].items():
            held = [
                s
                for s in steps
                if s["p99_us"] < 100_000 and not s["status_errors"] and not s.get("repeated_texts")
            ]
            best[target] = max(held, key=lambda s: s["per_second"]) if held else None
        w, n = best["webhook"], best["noop"]
        add(
            "webhook: highest rate with p99 < 100 ms",
            w and w["per_second"],
            "req/s",
            n and n["per_second"],
            "trivial view, same server",
            "ratio >= 0.5",
            bool(w and n and w["per_second"] / n["per_second"] >= 0.5),
        )
        lean = best.get("noop_webhook_stack")
        if lean:
            # The webhook skips the staff middleware (config/handlers.py); the same trivial
            # view under the webhooks' stack shows what that alone is worth.
            add(
                "webhook against a trivial view under the webhooks' middleware",
                w and w["per_second"],
                "req/s",
                lean["per_second"],
                "trivial view, webhooks' middleware",
                "",
                None,
            )
        floor = best.get("durable")
        if floor:
            # What any view that stores the text before answering costs on this machine: the
            # webhook's target measured against the work no design of it can leave out.
            add(
                "webhook floor: a view that only commits the body (one INSERT, webhooks' "
                "middleware), highest rate",
                floor["per_second"],
                "req/s",
                n and n["per_second"],
                "trivial view, same server",
                "",
                None,
            )
            add(
                "webhook against that floor",
                w and w["per_second"],
                "req/s",
                floor["per_second"],
                "view that only commits the body",
                "",
                None,
            )
        if w:
            add(
                f"webhook: p50 / p99 at that rate (c={w['connections']})",
                w["p50_us"] / 1000,
                "ms",
                n and n["p50_us"] / 1000,
                "trivial view p50",
                f"p99 {w['p99_us'] / 1000:.0f} ms",
                None,
            )
        processing = hook.get("processing")
        if processing:
            noop = (results.get("send") or {}).get("noop")
            add(
                f"webhook: stored texts processed by 4 workers ({processing['posted_with_200']:,}"
                f" posted, {processing['stored']:,} distinct stored)",
                processing["per_second"],
                "texts/s",
                noop and noop["per_second"],
                "no-op task, same workers",
                "",
                None,
            )
    burst = results.get("redflag_burst")
    if burst and burst["flags"]:
        add(
            f"red flag to page during the burst p99 ({burst['paged']}/{burst['flags']} paged, "
            f"{burst['backlog_min']:,}-{burst['backlog_max']:,} texts waiting)",
            burst["p99_s"],
            "s",
            (results.get("redflag") or {}).get("p99_s"),
            "the same on a settled system",
            "< 5 s",
            burst["p99_s"] is not None and burst["p99_s"] < 5 and burst["paged"] == burst["flags"],
        )
    flag = results.get("redflag")
    if flag:
        add(
            f"red flag to page p99 ({flag['paged']}/{flag['flags']} paged, beat "
            f"{flag['beat_interval_s']}s)",
            flag["p99_s"],
            "s",
            flag["baseline_p99_s"],
            "view queuing 1 text, p99",
            "< 5 s",
            flag["p99_s"] is not None and flag["p99_s"] < 5 and flag["paged"] == flag["flags"],
        )
        add(
            "red flag to page p50",
            flag["p50_s"],
            "s",
            flag["baseline_p50_s"],
            "view queuing 1 text, p50",
            "",
            None,
        )
        if flag.get("safety_p99_s") is not None:
            add(
                f"red flag: patient's safety text p99 ({flag['safety_texts']}/{flag['flags']})",
                flag["safety_p99_s"],
                "s",
                flag["baseline_p99_s"],
                "view queuing 1 text, p99",
                "",
                None,
            )
    pages = results.get("pages")
    if pages:
        for name in ("triage_queue", "patient_timeline", "cohort_dashboard"):
            page = pages[name]
            constant = page["queries"] == page["queries_smaller_input"]
            add(
                f"page: {name.replace('_', ' ')} p95 ({page['queries']} queries"
                f"{', constant' if constant else ', NOT constant'})",
                page["p95_ms"],
                "ms",
                pages["noop"]["p95_ms"],
                "trivial view p95",
                "< 300 ms",
                page["p95_ms"] < 300 and constant,
            )
    memory = results.get("memory")
    if memory:
        add(
            "memory: web (gunicorn, 2 workers) under load",
            memory["web_load_mb"],
            "MiB",
            memory["web_rest_mb"],
            "at rest",
            "",
            None,
        )
        add(
            "memory: Celery (4 processes) under load",
            memory["worker_load_mb"],
            "MiB",
            memory["worker_rest_mb"],
            "at rest",
            "",
            None,
        )
    return rows


def print_table(rows: list[dict]) -> None:
    print(f"{'figure':<62} {'value':>10} {'baseline':>10} {'ratio':>7}  target / ok")
    for row in rows:
        value = "-" if row["value"] is None else f"{row['value']:g}"
        base = "-" if row["baseline"] is None else f"{row['baseline']:g}"
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:g}"
        ok = {True: "ok", False: "MISSED", None: ""}[row["pass"]]
        print(
            f"{row['figure'][:62]:<62} {value:>7} {row['unit']:<3}{base:>9} {ratio:>7}  "
            f"{row['target']} {ok}"
        )
        if row["baseline_is"]:
            print(f"{'':<62} {'':>10} ({row['baseline_is']})")


ITEMS = ("sweep", "send", "webhook", "redflag", "pages")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, for development")
    parser.add_argument("--out", default=str(RESULTS / "latest.json"))
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated items to run (sweep,send,webhook,redflag,pages), for development; "
        "the sweep burst always runs once (the other items use the checks it opens)",
    )
    args = parser.parse_args(argv)
    args.only = {item.strip() for item in args.only.split(",") if item.strip()}
    unknown = args.only - set(ITEMS)
    if unknown:
        parser.error(
            f"unknown item(s) {', '.join(sorted(unknown))}: choose from {', '.join(ITEMS)}"
        )
    if "redflag" in args.only and "webhook" not in args.only:
        parser.error(
            "redflag needs webhook: the webhook step prepares the red-flag texts and posts the "
            "burst they are measured in (--only webhook,redflag)"
        )
    if not shutil.which("wrk"):
        print("wrk not found: `apt-get install wrk` (make bench does it as root)", file=sys.stderr)
        return 2
    started = time.monotonic()
    bench = Bench(args)
    results = bench.run()
    results["seconds"] = round(time.monotonic() - started)
    results["command"] = (
        "make bench"
        + (" (--quick)" if args.quick else "")
        + (f" (--only {','.join(sorted(args.only))})" if args.only else "")
    )
    results["summary"] = summary(results)
    RESULTS.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2, default=str) + "\n")
    print_table(results["summary"])
    print(
        f"\nmachine: {results['machine']}; load average {results['load_average_start']} -> "
        f"{results['load_average_end']}; {results['seconds']} s; written to {args.out}"
    )
    print(f"logs: {bench.logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
