"""Item 3 (and 6) of ``make bench`` (bench/run.py): the inbound webhook under gunicorn with wrk at
rising concurrency beside its baselines, the memory of web and workers, then 4 worker processes
draining the stored texts while the burst's red flags are posted."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time

from bench.common import (
    PYTHON,
    cpu_ms_per,
    cpu_seconds_by_group,
    percentile,
    rss_mb,
    run_json,
    say,
    wait_http,
)
from bench.harness import (
    CONNECTIONS,
    DURABLE_FLOOR_TABLE,
    GUNICORN_ARGS,
    ROOT,
    STATEMENT_STATS,
    WEBHOOK_BLOCK,
    WRK_THREADS,
    Harness,
    _round,
    _top_statements,
)
from scripts.services import pg_bin


class WebhookLadder(Harness):
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
