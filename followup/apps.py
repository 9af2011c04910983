from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "followup"
    verbose_name = "Follow-up"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .protocols import protocols_sync_on_migrate

        # Shipped protocols are data: every migrate (and every test-database flush) loads them,
        # adding a new version when the shipped definition changed.
        post_migrate.connect(protocols_sync_on_migrate, sender=self)
