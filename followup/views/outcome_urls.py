"""Physician outcome URLs (patient trends, cohort dashboard, exports), mounted at /outcomes/."""

from django.urls import path

from . import diary_note, outcomes

urlpatterns = [
    path("", outcomes.cohort_dashboard, name="outcomes-cohort"),
    path("export.csv", outcomes.cohort_csv, name="outcomes-export-csv"),
    path("patients/", outcomes.patient_list, name="outcomes-patients"),
    path("enrollments/<int:pk>/", outcomes.patient_trend, name="outcomes-patient"),
    path("enrollments/<int:pk>/fhir.json", outcomes.enrollment_fhir, name="outcomes-fhir"),
    path(
        "enrollments/<int:pk>/block-<int:series>.txt",
        diary_note.block_note,
        name="outcomes-block-note",
    ),
]
