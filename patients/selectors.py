"""Reads scoped to what a staff user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Clinic, ClinicMembership, Patient


def clinics_for_user(*, user) -> QuerySet[Clinic]:
    if not user.is_authenticated:
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user, memberships__is_active=True).distinct()


def membership_for(*, user, clinic: Clinic) -> ClinicMembership | None:
    return ClinicMembership.objects.filter(user=user, clinic=clinic, is_active=True).first()


def patients_for_user(*, user) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic__in=clinics_for_user(user=user))
