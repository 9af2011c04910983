"""Print the texts and SMS segments a patient receives per check and language, per protocol.

manage.py check_burden            # the shipped protocols (followup/protocol_data.py)
manage.py check_burden --current  # the protocol versions currently published in the database
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from followup.instruments.burden import burden_markdown, protocol_cost_by_language


class Command(BaseCommand):
    help = "Texts and SMS segments per check and language, per protocol (Markdown)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--current", action="store_true", help="read the published protocol versions"
        )

    def handle(self, *args, current: bool = False, **options) -> None:
        if current:
            from followup.models import Protocol

            protocols = {p.code: p.definition for p in Protocol.objects.filter(is_current=True)}
        else:
            from followup.protocol_data import PROTOCOLS

            protocols = PROTOCOLS
        self.stdout.write(burden_markdown(protocols))
        self.stdout.write("")
        self.stdout.write(
            "| protocol | texts en / es | segments en / es | checks over 6 SMS questions |"
        )
        self.stdout.write("|---|---|---|---|")
        for code, definition in protocols.items():
            totals = protocol_cost_by_language(definition)
            en, es = totals["en"], totals["es"]
            self.stdout.write(
                f"| {code} | {en['texts']} / {es['texts']} | {en['segments']} / {es['segments']} "
                f"| {en['checks_over_limit']} |"
            )
