from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """FHIR R4 API, HL7v2 enrollment feed: the hospital's side of the tracker.

    Depends on followup, patients and notifications; none of them imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "EHR integrations"

    def ready(self) -> None:
        from followup.signals import check_completed, flag_raised

        from .writeback.receivers import on_check_completed, on_flag_raised

        check_completed.connect(on_check_completed, dispatch_uid="integrations.writeback.check")
        flag_raised.connect(on_flag_raised, dispatch_uid="integrations.writeback.flag")
