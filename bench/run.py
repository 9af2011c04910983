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
import json
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The harness, the items and the report live in modules of their own (bench/harness.py,
# bench/items.py, bench/webhook_ladder.py, bench/redflag.py, bench/summary.py); their names are
# importable from here as before.
from bench.common import PYTHON, load_average  # noqa: E402
from bench.harness import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    CONNECTIONS,
    DURABLE_FLOOR_TABLE,
    FROM_NUMBER,
    GUNICORN_ARGS,
    PG_SETTINGS,
    REDFLAGS_IN_BURST,
    REDFLAGS_SETTLED,
    RESULTS,
    STATEMENT_STATS,
    SWEEP_INTERVAL,
    WEBHOOK_BLOCK,
    WRK_THREADS,
    Harness,
    _round,
    _top_statements,
)
from bench.items import Items  # noqa: E402
from bench.redflag import RedFlag  # noqa: E402
from bench.summary import print_table, summary  # noqa: E402
from bench.webhook_ladder import WebhookLadder  # noqa: E402
from scripts.services import postgres, redis  # noqa: E402

__all__ = [
    "ACCOUNT_SID",
    "AUTH_TOKEN",
    "CONNECTIONS",
    "DURABLE_FLOOR_TABLE",
    "FROM_NUMBER",
    "GUNICORN_ARGS",
    "ITEMS",
    "PG_SETTINGS",
    "REDFLAGS_IN_BURST",
    "REDFLAGS_SETTLED",
    "RESULTS",
    "STATEMENT_STATS",
    "SWEEP_INTERVAL",
    "WEBHOOK_BLOCK",
    "WRK_THREADS",
    "Bench",
    "Harness",
    "_round",
    "_top_statements",
    "main",
    "print_table",
    "summary",
]


class Bench(Items, WebhookLadder, RedFlag, Harness):
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
