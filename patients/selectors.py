"""Reads scoped to what a staff user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Clinic


def clinics_for_user(*, user) -> QuerySet[Clinic]:
    if not user.is_authenticated:
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user, memberships__is_active=True).distinct()
