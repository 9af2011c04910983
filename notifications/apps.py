from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Messages"

    def ready(self) -> None:
        from django.db.models import CharField

        from . import checks  # noqa: F401 - registers the messaging settings checks
        from .lookups import Same

        CharField.register_lookup(Same)
