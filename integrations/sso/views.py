"""mozilla-django-oidc's views, answering 404 while single sign-on is not configured."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)


def _require_sso() -> None:
    if not settings.OIDC_RP_CLIENT_ID:
        raise Http404("Single sign-on is not configured.")


class SsoStart(OIDCAuthenticationRequestView):
    def dispatch(self, request, *args, **kwargs):
        _require_sso()
        return super().dispatch(request, *args, **kwargs)


class SsoCallback(OIDCAuthenticationCallbackView):
    def dispatch(self, request, *args, **kwargs):
        _require_sso()
        return super().dispatch(request, *args, **kwargs)
