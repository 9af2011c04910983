"""Items 1, 2 and 5 of ``make bench`` (bench/run.py): the sweep, Celery send throughput and the
staff pages, each run in a process of its own (bench/sweep.py, bench/send.py, bench/pages.py)."""

from __future__ import annotations

import subprocess

from bench.common import run_json, say
from bench.harness import Harness
from scripts.services import pg_bin


class Items(Harness):
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

    def bench_pages(self) -> None:
        say("5. staff pages")
        env = self.env(
            self.pages_db,
            BENCH_USER=self.data["pages"]["user"],
            BENCH_PAGE_RUNS="10" if self.args.quick else "30",
        )
        self.results["pages"] = run_json(["-m", "bench.pages"], env)
