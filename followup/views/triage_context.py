"""Template context for the staff layout: which menu entries this user gets."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def _nav(request: HttpRequest) -> dict:
    from patients.models import ClinicMembership
    from patients.permissions import (
        ENROLL,
        VIEW_AUDIT,
        VIEW_PATIENT,
        VIEW_WORKLIST,
        clinics_with_perm,
    )

    user = request.user
    if not user.is_authenticated:
        return {}
    memberships = list(
        ClinicMembership.objects.filter(user=user, is_active=True).select_related("clinic")
    )
    return {
        "staff": clinics_with_perm(user=user, perm=VIEW_PATIENT).exists(),
        "worklists": clinics_with_perm(user=user, perm=VIEW_WORKLIST).exists(),
        "enroll": clinics_with_perm(user=user, perm=ENROLL).exists(),
        "audit": clinics_with_perm(user=user, perm=VIEW_AUDIT).exists(),
        "roles": ", ".join(
            sorted({f"{m.get_role_display()}, {m.clinic.name}" for m in memberships})
        ),
    }


def staff_nav(request: HttpRequest) -> dict:
    """Lazy: pages that never show the menu (the admin, the patient web form) pay nothing."""
    return {
        "nav": SimpleLazyObject(lambda: _nav(request)),
        "triage_poll_seconds": settings.TRIAGE_POLL_SECONDS,
    }
