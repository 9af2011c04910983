from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from patients.password_reset import AuditedPasswordResetConfirmView, ThrottledPasswordResetView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Throttled and audited versions of two of django.contrib.auth's views (patients/password_reset.py).
    path(
        "accounts/password_reset/",
        ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        AuditedPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("followup.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("webhooks/", include("notifications.urls")),
    # EHR integration: FHIR R4 API (integrations/fhir, docs/integration.md).
    path("fhir/", include("integrations.fhir.urls")),
    path("oidc/", include("integrations.sso.urls")),
    path("f/", include("followup.webform.urls")),
    # Demo only: every simulator view answers 404 unless DEMO_MODE is on.
    path("demo/", include("demo.urls")),
    path("", include("followup.monitoring.urls")),
    path("", include("followup.urls")),
]
