from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "followup.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Workers notice a late sweep too (whichever process notices first sends the email).
        from . import signals  # noqa: F401
