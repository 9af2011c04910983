"""The per-address half of sign-in throttling.

django-axes counts failures per *username and address together* (AXES_LOCKOUT_PARAMETERS), so a
stranger guessing a clinician's password pauses that username only from the stranger's own address:
the clinician still signs in from the clinic. Password spraying (one guess for each of many
usernames from one address) is caught here instead, by the sum of every failure from one address
within the cool-off, against a separate and higher LOGIN_ADDRESS_FAILURE_LIMIT: a clinic's shared
address (behind a correctly counted proxy, see patients.W001) is not paused by a few typos.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from .client_address import client_ip


def address_failures(*, ip: str) -> int:
    """Failed sign-ins from ``ip`` for any usernames within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def address_is_paused(request: HttpRequest) -> bool:
    """Has the request's address reached LOGIN_ADDRESS_FAILURE_LIMIT? (0 turns the check off.)"""
    limit = getattr(settings, "LOGIN_ADDRESS_FAILURE_LIMIT", 0)
    ip = client_ip(request)
    if limit <= 0 or ip is None:
        return False
    return address_failures(ip=ip) >= limit
