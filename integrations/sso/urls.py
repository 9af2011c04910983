from django.urls import path

from . import views

urlpatterns = [
    path("callback/", views.SsoCallback.as_view(), name="oidc_authentication_callback"),
    path("authenticate/", views.SsoStart.as_view(), name="oidc_authentication_init"),
]
