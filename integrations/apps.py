from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """FHIR R4 API, HL7v2 enrollment feed: the hospital's side of the tracker.

    Depends on followup, patients and notifications; none of them imports it.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "EHR integrations"
