import json

from django import forms
from django.contrib import admin, messages

from .models import Answer, Checkpoint, Enrollment, Protocol, Score
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

        return format_html("<pre>{}</pre>", json.dumps(obj.definition, indent=2, ensure_ascii=False))

    def save_model(self, request, obj, form, change):
        try:
            new = protocol_publish(
                code=obj.code, definition=obj.definition, user=request.user,
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
    fields = ["key", "label", "target_date", "window_opens", "window_closes", "send_at", "status", "status_reason"]
    readonly_fields = fields
    can_delete = False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["id", "procedure", "patient_mrn", "clinic", "physician", "performed_on", "status"]
    list_filter = ["clinic", "procedure", "status", "physician"]
    search_fields = ["patient__mrn", "patient__last_name", "patient__first_name"]
    raw_id_fields = ["patient"]
    readonly_fields = ["protocol", "created_at", "created_by"]
    inlines = [CheckpointInline]

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn


@admin.register(Checkpoint)
class CheckpointAdmin(admin.ModelAdmin):
    list_display = ["id", "enrollment", "key", "target_date", "send_at", "status", "status_reason"]
    list_filter = ["status", "key", "enrollment__procedure", "enrollment__clinic"]
    search_fields = ["enrollment__patient__mrn", "enrollment__patient__last_name"]
    raw_id_fields = ["enrollment"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["id", "checkpoint", "question_code", "status", "answered_at"]
    list_filter = ["status", "instrument"]
    search_fields = ["checkpoint__enrollment__patient__mrn", "question_code"]
    raw_id_fields = ["checkpoint"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["id", "checkpoint", "kind", "value", "computed_at"]
    list_filter = ["kind"]
    search_fields = ["checkpoint__enrollment__patient__mrn"]
    raw_id_fields = ["checkpoint"]
