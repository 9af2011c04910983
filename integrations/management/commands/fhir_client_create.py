"""Create an OAuth2 client for /fhir/: prints the client id and its secret (shown only once)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integrations.fhir.oauth import fhir_client_create


class Command(BaseCommand):
    help = "Create an OAuth2 client-credentials client for /fhir/ acting as USER."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="What the client is (e.g. 'Epic Bridges Northside')")
        parser.add_argument(
            "--user",
            required=True,
            help="The service account it acts as; its clinic memberships are the client's scope",
        )

    def handle(self, *args, name: str, user: str, **options) -> None:
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"no active user {user!r}")
        client, secret = fhir_client_create(name=name, user=account)
        self.stdout.write(f"client_id: {client.client_id}\nclient_secret: {secret}\n")
        self.stdout.write("The secret is not stored and cannot be shown again.\n")
