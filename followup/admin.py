import json

from django import forms
from django.contrib import admin, messages

from patients.admin import ClinicScopedAdmin

from .models import (
    Answer,
    Checkpoint,
    Enrollment,
    Escalation,
    EscalationChain,
    Flag,
    OnCallShift,
    Page,
    Protocol,
    Score,
    TimelineEvent,
)
from .protocols import protocol_publish


class ProtocolForm(forms.ModelForm):
    class Meta:
        model = Protocol
        fields = ["code", "name", "definition", "change_note"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 30, "cols": 120})}


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    """Saving never edits a version in place: it publishes a new version (enrollments keep theirs)."""

    form = ProtocolForm
    list_display = ["code", "version", "name", "is_current", "created_at", "change_note"]
    list_filter = ["code", "is_current"]
    search_fields = ["code", "name"]
    readonly_fields = ["version", "is_current", "created_at", "created_by", "pretty_definition"]

    @admin.display(description="Definition (read-only view)")
    def pretty_definition(self, obj):
        from django.utils.html import format_html

        return format_html(
            "<pre>{}</pre>", json.dumps(obj.definition, indent=2, ensure_ascii=False)
        )

    def save_model(self, request, obj, form, change):
        try:
            new = protocol_publish(
                code=obj.code,
                definition=obj.definition,
                user=request.user,
                change_note=obj.change_note or "edited in admin",
            )
        except ValueError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        obj.pk = new.pk
        obj.version = new.version
        self.message_user(request, f"Published {new}. Existing enrollments keep their version.")


class CheckpointInline(admin.TabularInline):
    model = Checkpoint
    extra = 0
    fields = [
        "key",
        "label",
        "target_date",
        "window_opens",
        "window_closes",
        "send_at",
        "status",
        "status_reason",
    ]
    readonly_fields = fields
    can_delete = False


@admin.register(Enrollment)
class EnrollmentAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"

    list_display = [
        "id",
        "procedure",
        "patient_mrn",
        "clinic",
        "physician",
        "performed_on",
        "status",
    ]
    list_filter = ["clinic", "procedure", "status", "physician"]
    search_fields = ["patient__mrn", "patient__last_name", "patient__first_name"]
    raw_id_fields = ["patient"]
    readonly_fields = ["protocol", "created_at", "created_by"]
    inlines = [CheckpointInline]

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn


@admin.register(Checkpoint)
class CheckpointAdmin(ClinicScopedAdmin):
    clinic_path = "enrollment__clinic"

    list_display = ["id", "enrollment", "key", "target_date", "send_at", "status", "status_reason"]
    list_filter = ["status", "key", "enrollment__procedure", "enrollment__clinic"]
    search_fields = ["enrollment__patient__mrn", "enrollment__patient__last_name"]
    raw_id_fields = ["enrollment"]


@admin.register(Answer)
class AnswerAdmin(ClinicScopedAdmin):
    clinic_path = "checkpoint__enrollment__clinic"

    list_display = ["id", "checkpoint", "question_code", "status", "answered_at"]
    list_filter = ["status", "instrument"]
    search_fields = ["checkpoint__enrollment__patient__mrn", "question_code"]
    raw_id_fields = ["checkpoint"]


@admin.register(Score)
class ScoreAdmin(ClinicScopedAdmin):
    clinic_path = "checkpoint__enrollment__clinic"

    list_display = ["id", "checkpoint", "kind", "value", "computed_at"]
    list_filter = ["kind"]
    search_fields = ["checkpoint__enrollment__patient__mrn"]
    raw_id_fields = ["checkpoint"]


@admin.register(Flag)
class FlagAdmin(ClinicScopedAdmin):
    clinic_path = "patient__clinic"
    list_display = ["id", "tier", "rule_code", "reason", "created_at"]
    list_filter = ["tier", "rule_code"]
    search_fields = ["patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "enrollment", "checkpoint", "escalation"]


@admin.register(Escalation)
class EscalationAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"
    list_display = [
        "code",
        "tier",
        "kind",
        "status",
        "created_at",
        "acknowledged_at",
        "resolved_at",
    ]
    list_filter = ["clinic", "tier", "status"]
    search_fields = ["code", "patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "enrollment", "owner", "acknowledged_by", "resolved_by"]


@admin.register(Page)
class PageAdmin(ClinicScopedAdmin):
    clinic_path = "escalation__clinic"
    list_display = ["id", "escalation", "step", "recipient", "channel", "created_at", "failed_at"]
    list_filter = ["channel"]
    search_fields = ["escalation__code"]
    raw_id_fields = ["escalation", "recipient"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"
    list_display = ["clinic", "user", "role", "starts_at", "ends_at"]
    list_filter = ["clinic", "role"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(EscalationChain)
class EscalationChainAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"
    list_display = ["clinic", "tier"]
    list_filter = ["clinic", "tier"]
    search_fields = ["clinic__name"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ClinicScopedAdmin):
    clinic_path = "patient__clinic"
    list_display = ["at", "kind", "summary"]
    list_filter = ["kind"]
    search_fields = ["patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "enrollment", "escalation", "actor"]
