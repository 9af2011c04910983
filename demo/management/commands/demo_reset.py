"""`manage.py demo_reset` (`make demo-reset`): start the demo over without reinstalling anything."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from demo.reset import ResetRefused, demo_reset


class Command(BaseCommand):
    help = (
        "Demo only: delete the demo's SQLite database and clock, then migrate and seed afresh. "
        "Stop `make demo` first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients", type=int, default=40, help="patients in follow-up (default 40)"
        )

    def handle(self, *args, **options):
        if options["patients"] < 1:
            raise CommandError("--patients must be at least 1")
        try:
            demo_reset(patients=options["patients"], say=self.stdout.write)
        except ResetRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS("Demo reset. Start it with `make demo`."))
