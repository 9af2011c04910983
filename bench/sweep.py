"""Item 1: the sweep over 100,000 active enrollments. Run by bench/run.py with DATABASE_URL set.

- idle: a sweep with nothing due (20 runs), against the same SELECTs run bare; EXPLAIN saved.
- burst: one sweep that opens the --due checks and writes their outbox rows, against the
  database's floor (the same rows changed by two plain SQL statements, rolled back), and the
  one-by-one path it replaced (1,000 checks, rolled back, scaled to the burst).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.common import percentile  # noqa: E402
from followup.dispatch import checkpoint_open, dispatch_due  # noqa: E402
from followup.models import Checkpoint  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
QUEUE_TABLES = ("followup_checkpoint", "notifications_outboundmessage", "followup_escalation")


class Rollback(Exception):
    pass


def idle(as_of: dt.datetime) -> dict:
    dispatch_due(now=as_of)  # warm: connection, protocol cache, plans
    times = []
    for _ in range(20):
        started = time.perf_counter()
        summary = dispatch_due(now=as_of)
        times.append((time.perf_counter() - started) * 1000)
    busy = {k: v for k, v in summary.items() if isinstance(v, int) and v}
    with CaptureQueriesContext(connection) as captured:
        dispatch_due(now=as_of)
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "')]
    bare = []
    with connection.cursor() as cursor:
        for _ in range(20):
            started = time.perf_counter()
            with transaction.atomic():
                for sql in selects:
                    cursor.execute(sql)
                    cursor.fetchall()
            bare.append((time.perf_counter() - started) * 1000)
    plans, seq_scans = explain(selects)
    (RESULTS / "sweep_idle_explain.txt").write_text(plans)
    return {
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(max(times), 1),
        "bare_selects_p50_ms": round(percentile(bare, 50), 1),
        "queries": len(captured.captured_queries),
        "selects_explained": len(selects),
        "seq_scans_on_queue_tables": seq_scans,
        "work_done": busy,
    }


def explain(selects: list[str]) -> tuple[str, list[str]]:
    out, seq = [], []
    with connection.cursor() as cursor:
        for sql in selects:
            with transaction.atomic():
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(f"-- {sql}\n{plan}\n")
            for table in QUEUE_TABLES:
                # A table of a few rows is scanned whole, rightly; a big one must not be.
                if (
                    f"Seq Scan on {table}" in plan
                    and _count(f"SELECT count(*) FROM {table}") > 1000
                ):
                    seq.append(table)
    return "\n".join(out), sorted(set(seq))


def floor(as_of: dt.datetime) -> float:
    """The same writes as plain SQL: open every due check, insert one text each; rolled back."""
    started = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                """
                WITH opened AS (
                  UPDATE followup_checkpoint SET status = 'open', opened_at = %s,
                    last_activity_at = %s, channel = 'sms', status_reason = ''
                  WHERE status = 'scheduled' AND send_at <= %s
                  RETURNING id, enrollment_id)
                INSERT INTO notifications_outboundmessage (idempotency_key, channel, "to",
                  sender, subject, body, html_body, purpose, unsolicited, status, provider_status,
                  error_code, last_error, attempts, next_attempt_at, patient_id, checkpoint_id,
                  created_at, updated_at)
                SELECT 'floor:' || o.id, 'sms', p.phone, '', '', 'Bench Spine: time for your check.',
                  '', 'check_open', true, 'pending', '', '', '', 0, now(), p.id, o.id, %s, now()
                FROM opened o JOIN followup_enrollment e ON e.id = o.enrollment_id
                JOIN patients_patient p ON p.id = e.patient_id
                """,
                [as_of, as_of, as_of, as_of],
            )
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started


def one_by_one(as_of: dt.datetime, count: int) -> float:
    """The path this replaced: checkpoint_open for each of ``count`` due checks; rolled back."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            rows = list(
                Checkpoint.objects.filter(status="scheduled", send_at__lte=as_of)
                .select_for_update(of=("self",))
                .select_related("enrollment__patient", "enrollment__clinic")
                .order_by("send_at")[:count]
            )
            for row in rows:
                checkpoint_open(checkpoint=row, now=as_of)
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started


def burst(as_of: dt.datetime) -> dict:
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        summary = dispatch_due(now=as_of)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "opened": summary["checks_opened"],
        "deferred": summary["checks_deferred"],
        "queries": len(captured.captured_queries),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    as_of = dt.datetime.fromisoformat(os.environ["BENCH_AS_OF"])
    if sys.argv[1:] == ["burst"]:  # on a copy of the database: the burst alone
        print(json.dumps(burst(as_of)))
        return
    idle_as_of = dt.datetime.fromisoformat(os.environ["BENCH_IDLE_AS_OF"])
    due = Checkpoint.objects.filter(status="scheduled", send_at__lte=as_of).count()
    result = {"idle": idle(idle_as_of), "due": due}
    result["floor_s"] = round(min(floor(as_of) for _ in range(2)), 3)
    sample = min(1000, due)
    result["one_by_one_s_per_1000"] = round(one_by_one(as_of, sample) * 1000 / sample, 2)
    result["burst"] = burst(as_of)
    result["counts"] = {
        "enrollments_active": _count(
            "SELECT count(*) FROM followup_enrollment WHERE status = 'active'"
        ),
        "checkpoints": _count("SELECT count(*) FROM followup_checkpoint"),
        "outbox_rows": _count("SELECT count(*) FROM notifications_outboundmessage"),
    }
    print(json.dumps(result))


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
