"""Process statistics and helpers for the benchmark driver (no Django here); the processes
themselves are scripts.processes.Proc."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0-100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MiB."""
    total = 0
    for each in tree_pids(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except Exception:  # noqa: BLE001 - not up yet, whatever the error
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def run_json(args: list[str], env: dict, *, timeout: float = 1800) -> dict:
    """Run ``python args`` and parse the JSON on its last stdout line (stderr passes through)."""
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text().split()
    mem_kb = int(meminfo[meminfo.index("MemTotal:") + 1])
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "cpu": cpu,
        "python": sys.version.split()[0],
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


CPU_GROUPS = (
    ("postgres", "postgres"),
    ("redis", "redis-server"),
    ("celery", "celery"),
    ("gunicorn", "gunicorn"),
    ("fake-twilio", "fake_twilio"),
    ("load generator", "bench."),
    ("wrk", "wrk"),
)


def cpu_seconds_by_group() -> dict[str, float]:
    """CPU seconds (user + system) used so far by the live processes of each part of the bench,
    found by command line. Read before and after a step, the difference says where its time went."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        group = next((name for name, needle in CPU_GROUPS if needle in cmdline), None)
        if group:
            # utime + stime, and cutime + cstime: the children that ended (a PostgreSQL backend
            # whose connection closed) are counted in their parent.
            used = sum(int(value) for value in fields[11:15])
            totals[group] = totals.get(group, 0.0) + used / ticks
    return totals


def cpu_ms_per(before: dict[str, float], after: dict[str, float], count: int) -> dict[str, float]:
    """Milliseconds of CPU per item, by group, between two ``cpu_seconds_by_group`` readings."""
    if not count:
        return {}
    return {
        group: round((after.get(group, 0.0) - before.get(group, 0.0)) * 1000 / count, 2)
        for group in after
        if after.get(group, 0.0) - before.get(group, 0.0) > 0.005
    }
