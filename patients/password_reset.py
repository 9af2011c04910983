"""The password-reset flow, throttled and audited (issue 20.8 / 20.7).

Django's views, with two additions:

- A reset request is refused quietly (no email, the same "check your inbox" page, so nobody
  learns whether an address has an account) past PASSWORD_RESET_ADDRESS_LIMIT requests from one
  client address, or PASSWORD_RESET_ACCOUNT_LIMIT for one account, within an hour. The counts are
  read from the audit log itself: durable, shared by every process, and on SQLite too.
- Every request and every completed reset is an audit event (``password_reset``) with the user's
  id when the address belongs to an account, never the email address typed in.

A link works for PASSWORD_RESET_TIMEOUT seconds (an hour; base settings).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone

from .audit import audit_record, client_ip
from .models import AuditAction, AuditEvent

WINDOW = dt.timedelta(hours=1)


def _recent_requests():
    return AuditEvent.objects.filter(
        action=AuditAction.PASSWORD_RESET,
        detail__step="requested",
        at__gte=timezone.now() - WINDOW,
    )


def password_reset_allowed(*, ip: str | None, user_ids: list[int]) -> bool:
    """May another reset email go out for this address and these accounts?"""
    address_limit = getattr(settings, "PASSWORD_RESET_ADDRESS_LIMIT", 5)
    account_limit = getattr(settings, "PASSWORD_RESET_ACCOUNT_LIMIT", 3)
    if ip is not None and _recent_requests().filter(ip=ip).count() >= address_limit:
        return False
    for user_id in user_ids:
        if _recent_requests().filter(user_id=user_id, detail__sent=True).count() >= account_limit:
            return False
    return True


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form) -> HttpResponse:
        users = list(form.get_users(form.cleaned_data["email"]))
        user_ids = [u.pk for u in users]
        allowed = password_reset_allowed(ip=client_ip(self.request), user_ids=user_ids)
        for user in users or [None]:
            audit_record(
                action=AuditAction.PASSWORD_RESET,
                request=self.request,
                user=user,
                detail={"step": "requested", "sent": allowed and user is not None},
            )
        if not allowed:
            # The page a sent email gets: a refusal must not tell who has an account.
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class AuditedPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        audit_record(
            action=AuditAction.PASSWORD_RESET,
            request=self.request,
            user=form.user,
            detail={"step": "completed"},
        )
        return response
