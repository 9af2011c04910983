from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Messages"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the messaging settings checks
