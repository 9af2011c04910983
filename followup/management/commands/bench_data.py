"""``manage.py bench_data``: fill an empty database with a synthetic follow-up network for the benchmarks (``make bench``).

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

The generator lives in :mod:`followup.bench_data`; this command only parses and prints.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from followup.bench_data import BenchDataError, bench_data_generate


class Command(BaseCommand):
    help = (
        "Fill an empty PostgreSQL database with N synthetic active enrollments (plus history, "
        "due checks, answers) for the benchmarks. Fast: COPY in chunks, progress on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("enrollments", type=int, help="active enrollments to create")
        parser.add_argument(
            "--completed",
            type=int,
            default=0,
            help="extra enrollments whose follow-up ended (all checks closed, 13-25 months ago)",
        )
        parser.add_argument(
            "--due", type=int, default=0, help="checks that fall due at --as-of (the sweep burst)"
        )
        parser.add_argument(
            "--answers",
            type=int,
            default=0,
            help="about this many answers (with inbound texts, replies, scores, flags); 0 = none",
        )
        parser.add_argument("--clinics", type=int, default=5)
        parser.add_argument(
            "--date",
            help="local date of the due burst (YYYY-MM-DD); default: yesterday (UTC), so every "
            "generated time is in the past",
        )
        parser.add_argument(
            "--open-escalations", type=int, default=0, help="unresolved escalations (the queue)"
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        try:
            summary = bench_data_generate(
                enrollments=options["enrollments"],
                completed=options["completed"],
                due=options["due"],
                answers=options["answers"],
                clinics=options["clinics"],
                date=options["date"],
                open_escalations=options["open_escalations"],
                seed=options["seed"],
            )
        except BenchDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary, sort_keys=True))
