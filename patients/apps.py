from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "patients"
    verbose_name = "Patients and clinics"

    def ready(self) -> None:
        from notifications.signals import outbound_failed

        from .receivers import on_outbound_failed

        outbound_failed.connect(on_outbound_failed, dispatch_uid="patients.on_outbound_failed")

        from .audit import audit_connect_signals

        audit_connect_signals()

        from . import checks  # noqa: F401 - registers the deploy checks
