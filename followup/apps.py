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

        from notifications.signals import outbound_failed

        from . import clock

        clock.install()  # no-op unless DEMO_MODE

        from django.db.models.signals import post_save, pre_save

        from patients.models import Patient

        from . import reminders
        from .services import enrollments, escalations

        pre_save.connect(
            enrollments.on_patient_saving, sender=Patient, dispatch_uid="followup.patient_saving"
        )
        post_save.connect(
            enrollments.on_patient_saved, sender=Patient, dispatch_uid="followup.patient_saved"
        )

        # A message that will not be delivered: a survey falls back to email or shows "unreachable";
        # a failed page moves up the escalation chain at once.
        outbound_failed.connect(
            reminders.on_outbound_failed, dispatch_uid="followup.survey_delivery_failed"
        )
        outbound_failed.connect(
            escalations.on_outbound_failed, dispatch_uid="followup.escalations.page_failed"
        )
