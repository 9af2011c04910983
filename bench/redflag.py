"""Item 4 of ``make bench`` (bench/run.py): red flag to page on a settled system, with the beat
running, beside a view that queues one text; and the red-flag texts and latencies item 3 uses."""

from __future__ import annotations

import http.client
import json
import time

from bench.common import (
    PYTHON,
    percentile,
    run_json,
    say,
)
from bench.harness import (
    REDFLAGS_IN_BURST,
    REDFLAGS_SETTLED,
    SWEEP_INTERVAL,
    Harness,
    _round,
)


class RedFlag(Harness):
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
