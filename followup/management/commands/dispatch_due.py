import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from followup.dispatch import dispatch_due


class Command(BaseCommand):
    help = "Run one sweep (the beat task's code): open due checks, send reminders, close windows, re-page."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of", help="ISO-8601 time to sweep as of (default: now); naive times are UTC"
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options["as_of"]:
            try:
                now = dt.datetime.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of must be ISO-8601, e.g. 2026-11-23T15:00:00Z; got {options['as_of']!r}"
                )
            if timezone.is_naive(now):
                now = now.replace(tzinfo=dt.UTC)
        summary = dispatch_due(now=now)
        self.stdout.write(json.dumps(summary, sort_keys=True))
