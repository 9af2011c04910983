"""Audit for the Django admin (issue 20.7): every list, change page and save of a PHI model is
recorded with the ids of the patients it showed or changed.

A mixin, put first in a ModelAdmin's bases (``class PatientAdmin(AuditedAdminMixin,
ClinicScopedAdmin)``). ``audit_patient_lookup`` is the ORM path from the model to its patient's
id; the default finds ``Patient`` itself and models with a ``patient`` field. Rows are resolved to
patient ids in one query per page, not one per row. Like the staff pages it fails closed: when
the audit row cannot be written the admin page errors instead of showing unrecorded PHI.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from .audit import audit_record
from .models import AuditAction, Patient


def _default_lookup(model: type[Model]) -> str | None:
    if issubclass(model, Patient):
        return "pk"
    names = {f.name for f in model._meta.get_fields()}
    return "patient_id" if "patient" in names else None


class AuditedAdminMixin:
    """Records admin reads (changelist, change view) and writes (add, change, delete)."""

    #: ORM path to the patient id, e.g. ``"checkpoint__enrollment__patient_id"``.
    audit_patient_lookup: str | None = None

    def _audit_lookup(self) -> str | None:
        return self.audit_patient_lookup or _default_lookup(self.model)

    def _audit_patient_ids(self, pks: list) -> list[int]:
        lookup = self._audit_lookup()
        if lookup is None or not pks:
            return []
        found = self.model._default_manager.filter(pk__in=pks).values_list(lookup, flat=True)
        return sorted({pid for pid in found if pid is not None})

    def _audit(self, request: HttpRequest, action: str, pks: list, **detail) -> None:
        ids = self._audit_patient_ids(pks)
        patient = Patient.objects.filter(pk=ids[0]).first() if len(ids) == 1 else None
        audit_record(
            action=action,
            request=request,
            patient=patient,
            object_type=self.model._meta.model_name,
            object_id=str(pks[0]) if len(pks) == 1 else "",
            detail={"admin": True, "patient_ids": ids, **detail},
        )

    # --- reads ------------------------------------------------------------------------------
    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            # Evaluating the page here fills its cache: the template reuses these rows.
            pks = [row.pk for row in changelist.result_list]
            self._audit(request, AuditAction.VIEW, pks, page="changelist")
        return response

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            self._audit(request, AuditAction.VIEW, [unquote(object_id)], page="change")
        return response

    # --- writes -----------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = AuditAction.CHANGE if change else AuditAction.CREATE
        fields = sorted(form.changed_data) if form is not None else []
        self._audit(request, action, [obj.pk], fields=fields)

    def delete_model(self, request: HttpRequest, obj) -> None:
        ids = self._audit_patient_ids([obj.pk])
        pk = obj.pk
        super().delete_model(request, obj)
        audit_record(
            action=AuditAction.CHANGE,
            request=request,
            object_type=self.model._meta.model_name,
            object_id=str(pk),
            detail={"admin": True, "patient_ids": ids, "deleted": True},
        )

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        ids = self._audit_patient_ids(pks)
        super().delete_queryset(request, queryset)
        audit_record(
            action=AuditAction.CHANGE,
            request=request,
            object_type=self.model._meta.model_name,
            detail={"admin": True, "patient_ids": ids, "deleted": len(pks)},
        )
