"""Who may use the demo's phone simulator and demo clock.

They show every patient's thread, send texts as any number and move the clock for everyone, so
even in the demo they need a signed-in staff user (one with a role that sees patients). Outside
DEMO_MODE they answer 404 first, before the sign-in redirect, so a production site does not even
reveal they exist.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme

from patients.permissions import staff_required


def demo_staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: 404 outside the demo; in it, a signed-in staff user (else the sign-in page)."""
    staff_view = staff_required()(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not getattr(settings, "DEMO_MODE", False):
            raise Http404("The simulator exists only in the demo")
        return staff_view(request, *args, **kwargs)

    return wrapped


def demo_next_url(request: HttpRequest, fallback: str) -> str:
    """Where the demo clock returns to: ``next`` only when it is a page of this site (an open
    redirect would turn the demo into a phishing relay)."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
