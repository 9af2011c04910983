"""Fill an empty database with a synthetic follow-up network for the benchmarks (``make bench``).

``manage.py bench_data 100000 --due 10000`` makes 100,000 active enrollments (one patient each,
spread over the past year in five clinics) with their checkpoints in every state a real network
has: history (completed, missed), open windows, future checks, and exactly ``--due`` checks that
fall due at ``as_of`` (the burst one sweep must open). ``--answers`` adds answered surveys with
their inbound texts, replies, scores, flags, escalations, pages and timeline events.

Rows are written with PostgreSQL ``COPY`` in chunks (ids assigned here, sequences moved after),
so 100,000 enrollments take a minute or two, not an hour of ``enrollment_create``. The schedule of
every enrollment still comes from ``followup.scheduling.checkpoint_schedule`` and the protocols in
the database, so the rows look exactly like the application's own. The last line on stdout is a
JSON summary (counts, ``as_of``, ``idle_as_of``, the staff username) for the benchmark driver.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.conf import settings
from django.db import connection, transaction

from followup.models import Enrollment, Protocol
from followup.scheduling import local_datetime

from .generator import BenchGenerator
from .spec import BENCH_PASSWORD, BENCH_USER, PROCEDURES, ZONES, BenchDataError

__all__ = ["BenchDataError", "BenchGenerator", "bench_data_generate"]


def bench_data_generate(
    *,
    enrollments: int,
    completed: int = 0,
    due: int = 0,
    answers: int = 0,
    clinics: int = 5,
    date: str | None = None,
    open_escalations: int = 0,
    seed: int = 1,
) -> dict:
    """Generate the network; the summary the benchmark driver reads (counts, times, staff user)."""
    if connection.vendor != "postgresql":
        raise BenchDataError("bench_data writes with COPY: it needs PostgreSQL")
    if enrollments < 1:
        raise BenchDataError("enrollments must be at least 1")
    if due > enrollments:
        raise BenchDataError("--due cannot exceed the number of active enrollments")
    if Enrollment.objects.exists():
        raise BenchDataError("the database already has enrollments: use an empty one")
    protocols = {p.code: p for p in Protocol.objects.filter(is_current=True)}
    missing = [code for code, _ in PROCEDURES if code not in protocols]
    if missing:
        raise BenchDataError(f"protocols missing (run migrate first): {missing}")
    day = (
        dt.date.fromisoformat(date)
        if date
        else (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()
    )
    as_of = local_datetime(day, dt.time(settings.FOLLOWUP_SEND_HOUR, 1), ZONES[0][0])
    idle_as_of = local_datetime(day, dt.time(settings.FOLLOWUP_SEND_HOUR, 0), ZONES[-1][0])
    idle_as_of -= dt.timedelta(minutes=1)
    started = time.monotonic()
    generator = BenchGenerator(
        rng=random.Random(seed),
        protocols=protocols,
        day=day,
        as_of=as_of,
        answers_target=answers,
    )
    with transaction.atomic():
        generator.staff(clinics)
    generator.run(
        active=enrollments,
        completed=completed,
        due=due,
        open_escalations=open_escalations,
    )
    with connection.cursor() as cursor:
        # As an old database is: statistics, visibility map, hint bits set. Otherwise the
        # first queries over the fresh rows pay for that (and autovacuum runs beside them).
        cursor.execute("VACUUM ANALYZE")
    summary = {
        **generator.counts(),
        "as_of": as_of.isoformat(),
        "idle_as_of": idle_as_of.isoformat(),
        "user": BENCH_USER,
        "password": BENCH_PASSWORD,
        "seconds": round(time.monotonic() - started, 1),
    }
    return summary
