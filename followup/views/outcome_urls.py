"""Physician outcome URLs (patient trends, cohort dashboard, exports), mounted at /outcomes/."""

from django.urls import path

from . import outcomes

urlpatterns = [
    path("", outcomes.cohort_dashboard, name="outcomes-cohort"),
    path("export.csv", outcomes.cohort_csv, name="outcomes-export-csv"),
    path("patients/", outcomes.patient_list, name="outcomes-patients"),
    path("enrollments/<int:pk>/", outcomes.patient_trend, name="outcomes-patient"),
    path("enrollments/<int:pk>/fhir.json", outcomes.enrollment_fhir, name="outcomes-fhir"),
]
