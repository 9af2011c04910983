"""Admin for the clinic's interface settings and procedure-code table.

Scoped like the other apps' admin (``ClinicScopedAdmin``): a clinic admin sees only their
clinics' rows, and on writes can pick only their own clinics and that clinic's physicians.
The HL7 message store is read-only here (an audit of what the EHR sent).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied

from followup.protocol_data import PROTOCOLS
from patients.admin import ClinicScopedAdmin
from patients.models import ClinicMembership, Role
from patients.selectors import clinics_for_user

from .models import ClinicInterface, Hl7Message, ProcedureCodeMapping, WriteBack


class _OwnClinicsMixin:
    """Writes limited to the user's clinics (a forged POST for another clinic is refused)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = clinics_for_user(user=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if (
            not request.user.is_superuser
            and not clinics_for_user(user=request.user).filter(pk=obj.clinic_id).exists()
        ):
            raise PermissionDenied
        super().save_model(request, obj, form, change)


class ProcedureCodeMappingForm(forms.ModelForm):
    procedure = forms.ChoiceField(choices=[(code, code) for code in sorted(PROTOCOLS)])

    class Meta:
        model = ProcedureCodeMapping
        fields = ["clinic", "code", "coding_system", "procedure", "is_active"]


@admin.register(ProcedureCodeMapping)
class ProcedureCodeMappingAdmin(_OwnClinicsMixin, ClinicScopedAdmin):
    form = ProcedureCodeMappingForm
    list_display = ["code", "coding_system", "procedure", "clinic", "is_active"]
    list_filter = ["clinic", "procedure", "is_active"]
    search_fields = ["code"]


class ClinicInterfaceForm(forms.ModelForm):
    writeback_fhir_url = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = ClinicInterface
        fields = [
            "clinic",
            "sending_facility",
            "default_physician",
            "writeback_enabled",
            "writeback_fhir_url",
            "writeback_hl7_host",
            "writeback_hl7_port",
            "writeback_since",
        ]

    def clean(self):
        data = super().clean()
        clinic, physician = data.get("clinic"), data.get("default_physician")
        if (
            clinic
            and physician
            and not ClinicMembership.objects.filter(
                clinic=clinic, user=physician, role=Role.PHYSICIAN, is_active=True
            ).exists()
        ):
            raise forms.ValidationError({"default_physician": "Not a physician of this clinic."})
        if bool(data.get("writeback_hl7_host")) != bool(data.get("writeback_hl7_port")):
            raise forms.ValidationError(
                {"writeback_hl7_port": "Give both the MLLP host and port, or neither."}
            )
        return data


@admin.register(ClinicInterface)
class ClinicInterfaceAdmin(_OwnClinicsMixin, ClinicScopedAdmin):
    form = ClinicInterfaceForm
    list_display = ["clinic", "sending_facility", "default_physician", "writeback_enabled"]
    raw_id_fields = ["default_physician"]


@admin.register(Hl7Message)
class Hl7MessageAdmin(ClinicScopedAdmin):
    list_display = [
        "received_at",
        "sending_facility",
        "control_id",
        "message_type",
        "status",
        "ack_code",
        "ack_text",
    ]
    list_filter = ["status", "message_type", "sending_facility"]
    search_fields = ["control_id", "placer_id"]
    # The raw message carries PHI: shown on the detail page only, to those who may see the clinic.
    readonly_fields = [f.name for f in Hl7Message._meta.fields]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(clinic__in=clinics_for_user(user=request.user))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WriteBack)
class WriteBackAdmin(ClinicScopedAdmin):
    """Failed write-backs are visible here (status, attempts, last error); nothing is editable."""

    list_display = [
        "key",
        "channel",
        "clinic",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "created_at",
    ]
    list_filter = ["status", "clinic"]
    readonly_fields = [f.name for f in WriteBack._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
