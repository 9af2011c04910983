from django.urls import path, re_path

from . import oauth, views

app_name = "fhir"

urlpatterns = [
    path("", views.SystemView.as_view(), name="system"),
    path("metadata", views.MetadataView.as_view(), name="metadata"),
    path("auth/token", oauth.token_view, name="token"),
    re_path(r"^(?P<kind>[A-Z][A-Za-z]+)$", views.TypeView.as_view(), name="type"),
    re_path(
        r"^(?P<kind>[A-Z][A-Za-z]+)/(?P<rid>[A-Za-z0-9\-.]{1,64})$",
        views.InstanceView.as_view(),
        name="instance",
    ),
]
