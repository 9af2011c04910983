"""Tenancy in the Django admin: what a clinic admin may list, choose and save.

Filtering the rows an admin lists is not enough: a form accepts any id it is posted (a raw-id
field, a select whose options were edited), so every foreign-key and many-to-many choice is limited
to the user's clinics, and the saved object is checked again before it is written.

Scope is per clinic and per role: the user's clinics for a model are those where one of their
roles holds the model's permission (``patients.permissions.ROLE_PERMISSIONS``), not every clinic
they belong to. A clinic admin of A who is a nurse of B configures A only.

Related models are named by label (``followup.enrollment``), so this module imports nothing from
``followup`` (dependencies point one way).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Clinic
from .permissions import clinics_with_perm

# label_lower of a related model -> its path to the clinic (``""``: the clinic itself).
SCOPE_PATHS: dict[str, str] = {
    "patients.clinic": "",
    "patients.patient": "clinic",
    "patients.clinicmembership": "clinic",
    settings.AUTH_USER_MODEL.lower(): "memberships__clinic",
    "followup.enrollment": "clinic",
    "followup.checkpoint": "enrollment__clinic",
    "followup.answer": "checkpoint__enrollment__clinic",
    "followup.score": "checkpoint__enrollment__clinic",
    "followup.flag": "patient__clinic",
    "followup.escalation": "clinic",
    "followup.page": "escalation__clinic",
    "followup.oncallshift": "clinic",
    "followup.escalationchain": "clinic",
    "followup.timelineevent": "patient__clinic",
    "followup.diaryentry": "enrollment__clinic",
    # Monitoring rows that belong to a clinic (an installation-wide alert has no clinic and so is
    # in no clinic's scope: superusers only). The sweep heartbeat is not listed: nobody's choice.
    "monitoring.opsalert": "clinic",
    "monitoring.testpage": "clinic",
    "monitoring.testpagedelivery": "test_page__clinic",
}
# Shared by every clinic: any row may be chosen (publishing them has its own permission).
UNSCOPED_MODELS = {"followup.protocol"}


def scope_queryset(queryset: QuerySet, clinics: QuerySet[Clinic]) -> QuerySet:
    """``queryset`` limited to rows of ``clinics``. Unknown models give nothing (fail closed)."""
    label = queryset.model._meta.label_lower
    if label in UNSCOPED_MODELS:
        return queryset
    if label not in SCOPE_PATHS:
        return queryset.none()
    path = SCOPE_PATHS[label]
    if not path:
        return queryset.filter(pk__in=clinics.values("pk"))
    if label == settings.AUTH_USER_MODEL.lower():
        return queryset.filter(
            memberships__clinic__in=clinics.values("pk"), memberships__is_active=True
        ).distinct()
    return queryset.filter(**{f"{path}__in": clinics.values("pk")})


class ClinicScopedAdmin(admin.ModelAdmin):
    """Clinic admins list, choose and save only their own clinics' rows; superusers everything.

    ``phi = True`` makes the model read-only for everyone but superusers: changing a patient's
    record, an answer or an escalation in a generic form would skip the services that write the
    timeline, the notes and the audit.
    """

    clinic_path = "clinic"
    phi = False

    # --- scope ---------------------------------------------------------------------------------
    def admin_clinics(self, request: HttpRequest, action: str = "view") -> QuerySet[Clinic]:
        """The clinics where the user's roles hold ``<action>_<model>``; change implies view."""
        opts = self.opts
        clinics = clinics_with_perm(
            user=request.user, perm=f"{opts.app_label}.{action}_{opts.model_name}"
        )
        if action == "view":
            clinics = clinics | clinics_with_perm(
                user=request.user, perm=f"{opts.app_label}.change_{opts.model_name}"
            )
        return clinics.distinct()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        path = self.clinic_path
        clinics = self.admin_clinics(request).values("pk")
        return queryset.filter(**{f"{path}__in" if path else "pk__in": clinics})

    def _choice_clinics(self, request: HttpRequest) -> QuerySet[Clinic]:
        return self.admin_clinics(request, "change") | self.admin_clinics(request, "add")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            related = db_field.remote_field.model
            kwargs["queryset"] = scope_queryset(
                related._default_manager.all(), self._choice_clinics(request).distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser and "queryset" not in kwargs:
            related = db_field.remote_field.model
            kwargs["queryset"] = scope_queryset(
                related._default_manager.all(), self._choice_clinics(request).distinct()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- writes --------------------------------------------------------------------------------
    def has_add_permission(self, request, *args):
        if self.phi and not request.user.is_superuser:
            return False
        return super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        if self.phi and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self.phi and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def check_scope(
        self, request: HttpRequest, obj: models.Model, fields: Iterable[str] | None = None
    ) -> None:
        """Refuse to save ``obj`` when it, or any row it points at, is outside the user's clinics.

        The form's choices are already limited; this is the second lock, for code paths that do
        not go through them (inlines, actions, a form a subclass builds itself).
        """
        if request.user.is_superuser:
            return
        clinics = self._choice_clinics(request).distinct()
        own = scope_queryset(type(obj)._default_manager.all(), clinics)
        if obj.pk is not None and not own.filter(pk=obj.pk).exists():
            raise PermissionDenied("This record belongs to a clinic you do not administer.")
        for field in obj._meta.concrete_fields:
            # Only what the form sets: ``created_by`` may rightly be a superuser of no clinic.
            if not isinstance(field, models.ForeignKey) or (
                fields is not None and field.name not in fields
            ):
                continue
            value = getattr(obj, field.attname)
            if value is None:
                continue
            allowed = scope_queryset(field.related_model._default_manager.all(), clinics)
            if not allowed.filter(pk=value).exists():
                raise PermissionDenied(f"{field.verbose_name}: not one of your clinics' records.")

    def save_model(self, request, obj, form, change):
        self.check_scope(request, obj, form.fields)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            if inline_form.has_changed():
                self.check_scope(request, inline_form.instance, inline_form.fields)
        super().save_formset(request, form, formset, change)
