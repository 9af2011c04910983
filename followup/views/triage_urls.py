"""Staff triage workspace URLs (queue, patient timeline, worklists, enrollment form, audit)."""

urlpatterns: list = []
