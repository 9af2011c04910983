"""``manage.py screening_report [--csv PATH]``: the screener against clinician-labelled texts.

Prints the confusion table (clinician's tier down, screener's tier across) with sensitivity and
specificity per tier, then the texts it under- and over-triaged. ``--fail-on-under-triage`` makes
it exit non-zero when any text was put below its label, for CI or a clinic checking its own list.
``--batches`` prints issue 21's target rates on the shipped table and on each labelled batch under
tests/data/, the locked batch (never tuned against) separately.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from followup.screening_report import (
    DEFAULT_CSV,
    LOCKED_MARK,
    batch_paths,
    confusion_report,
    format_report,
    format_targets,
    load_rows,
    target_rates,
)


class Command(BaseCommand):
    help = "Print the red-flag screener's confusion table and per-tier sensitivity/specificity."

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv",
            default=str(DEFAULT_CSV),
            help="labelled CSV (text,language,procedure,expected_tier,note); "
            "default: tests/data/screening_texts.csv",
        )
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument(
            "--batches",
            action="store_true",
            help="target rates per labelled batch (tests/data/screening_batch*.csv), locked apart",
        )
        parser.add_argument(
            "--shadow",
            action="store_true",
            help="list where the shadow rule set (SCREENING_SHADOW_RULES) disagreed with the live one",
        )
        parser.add_argument(
            "--clinic",
            metavar="SLUG",
            help="the clinic's texts labelled by staff on the timeline (texts are not printed)",
        )
        parser.add_argument(
            "--fail-on-under-triage",
            action="store_true",
            help="exit with an error if any text was classified below its label",
        )

    def handle(self, *args, **options):
        if options["batches"]:
            return self._batches(options["json"])
        if options["shadow"]:
            from followup.screening_shadow import shadow_report

            self.stdout.write(shadow_report(clinic_slug=options["clinic"], as_json=options["json"]))
            return None
        if options["clinic"]:
            rows = self._clinic_rows(options["clinic"])
        else:
            path = Path(options["csv"])
            if not path.is_file():
                raise CommandError(f"No such CSV file: {path}")
            try:
                rows = load_rows(path)
            except (ValueError, UnicodeDecodeError) as exc:
                raise CommandError(str(exc)) from exc
            if not rows:
                raise CommandError(f"{path} has no labelled rows")
        report = confusion_report(rows)
        if options["clinic"]:
            # Patients' own words stay out of a terminal: the misses are listed by text id.
            for row in report["under_triaged"] + report["over_triaged"]:
                row["text"] = f"inbound text #{row['inbound']}"
        if options["json"]:
            figures = {key: report[key] for key in ("n", "matrix", "per_tier")}
            figures["under_triaged"] = len(report["under_triaged"])
            figures["over_triaged"] = len(report["over_triaged"])
            self.stdout.write(json.dumps(figures, indent=2, sort_keys=True))
        else:
            self.stdout.write(format_report(report))
        if options["fail_on_under_triage"] and report["under_triaged"]:
            raise CommandError(f"{len(report['under_triaged'])} text(s) under-triaged")

    def _clinic_rows(self, slug: str) -> list[dict]:
        from followup.services.text_labels import labelled_rows
        from patients.models import Clinic

        if not Clinic.objects.filter(slug=slug).exists():
            raise CommandError(f"No clinic with slug {slug!r}")
        rows = labelled_rows(clinic_slug=slug)
        if not rows:
            raise CommandError(f"Clinic {slug!r} has no labelled texts yet")
        return rows

    def _batches(self, as_json: bool) -> None:
        figures = {}
        for path in batch_paths():
            figures[path.name] = target_rates(load_rows(path))
        if as_json:
            self.stdout.write(json.dumps(figures, indent=2, sort_keys=True))
            return
        tuned = [name for name in figures if LOCKED_MARK not in name]
        locked = [name for name in figures if LOCKED_MARK in name]
        self.stdout.write("Texts used for tuning (the shipped table and open batches):")
        for name in tuned:
            self.stdout.write(format_targets(name, figures[name]))
        self.stdout.write("")
        self.stdout.write("LOCKED batch(es), never tuned against:")
        for name in locked:
            self.stdout.write(format_targets(name, figures[name]))
