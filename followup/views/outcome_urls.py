"""Physician outcome URLs (patient trends, cohort dashboard, exports)."""

urlpatterns: list = []
