from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("followup.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("webhooks/", include("notifications.urls")),
    path("f/", include("followup.webform.urls")),
    # Demo only: every simulator view answers 404 unless DEMO_MODE is on.
    path("demo/", include("notifications.simulator_urls")),
    path("", include("followup.monitoring.urls")),
    path("", include("followup.urls")),
]
