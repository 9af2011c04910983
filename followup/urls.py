from django.urls import include, path

urlpatterns = [
    path("outcomes/", include("followup.views.outcome_urls")),
    path("", include("followup.views.triage_urls")),
]
