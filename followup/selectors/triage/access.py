"""Which clinics, patients and escalations a staff user may see (every other read starts here)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from patients.models import Clinic, Patient
from patients.permissions import VIEW_PATIENT, clinics_with_perm

from ...models import (
    Escalation,
)


def visible_clinics(*, user) -> QuerySet[Clinic]:
    return clinics_with_perm(user=user, perm=VIEW_PATIENT)


def patients_visible(*, user) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic__in=visible_clinics(user=user))


def escalations_visible(*, user) -> QuerySet[Escalation]:
    return Escalation.objects.filter(clinic__in=visible_clinics(user=user))


def patient_get(*, user, pk: int) -> Patient:
    patient = patients_visible(user=user).select_related("clinic").filter(pk=pk).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def escalation_get(*, user, pk: int) -> Escalation:
    escalation = (
        escalations_visible(user=user)
        .select_related("clinic", "patient", "enrollment", "owner", "acknowledged_by")
        .filter(pk=pk)
        .first()
    )
    if escalation is None:
        raise Http404("No such escalation.")
    return escalation


# --- the queue --------------------------------------------------------------------------------
