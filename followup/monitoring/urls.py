from django.urls import path

from . import views

urlpatterns = [
    path("health/live", views.health_live, name="health-live"),
    path("health/ready", views.health_ready, name="health-ready"),
    path("metrics", views.metrics, name="metrics"),
    path("ops/<slug:slug>/test-page/", views.test_page_start, name="monitoring-test-page-start"),
    path(
        "ops/<slug:slug>/test-page/<int:pk>/", views.test_page_detail, name="monitoring-test-page"
    ),
    path("ops/test-page/ack/<str:token>/", views.test_page_ack, name="monitoring-test-page-ack"),
]
