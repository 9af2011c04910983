import datetime as dt
import json
import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from patients.admin import ClinicScopedAdmin
from patients.admin_audit import AuditedAdminMixin
from patients.audit import audit_record
from patients.models import AuditAction, Clinic
from patients.permissions import ACT_ON_ESCALATION, PUBLISH_PROTOCOL, user_has_clinic_perm

from .chain_forms import MAX_STEPS, ChainForm, ShiftForm
from .chain_rules import business_hours_text
from .models import (
    Answer,
    Checkpoint,
    DiaryEntry,
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
from .protocol_data import validate_protocol
from .protocol_guard import protocol_weakenings
from .protocols import protocol_publish
from .roster_rules import roster_gaps, roster_overlaps
from .services.escalations import escalation_acknowledge


class ProtocolForm(forms.ModelForm):
    """Validated here, so a refused publish is a form error, not a "changed successfully"."""

    override_reason = forms.CharField(
        required=False,
        max_length=200,
        help_text="Required to lower or remove a shipped EMERGENCY or URGENT rule: why.",
    )

    class Meta:
        model = Protocol
        fields = ["code", "name", "definition", "change_note"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 30, "cols": 120})}

    def clean(self):
        cleaned = super().clean()
        definition, code = cleaned.get("definition"), cleaned.get("code")
        if not isinstance(definition, dict) or not code:
            if definition is not None and not isinstance(definition, dict):
                self.add_error("definition", "The definition must be a JSON object.")
            return cleaned
        problems = validate_protocol(definition)
        if problems:
            raise forms.ValidationError(problems)
        weakened = protocol_weakenings(code=code, definition=definition)
        if weakened and not (cleaned.get("override_reason") or "").strip():
            self.add_error(
                "override_reason",
                "This version weakens shipped red flags: "
                + "; ".join(weakened)
                + ". Give the reason to publish it anyway.",
            )
        return cleaned


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    """Saving never edits a version in place: it publishes a new version (enrollments keep theirs).

    Every clinic shares these protocols, so publishing needs ``followup.publish_protocol``, which
    no clinic role holds; clinic admins read them.
    """

    form = ProtocolForm
    list_display = ["code", "version", "name", "is_current", "created_at", "change_note"]
    list_filter = ["code", "is_current"]
    search_fields = ["code", "name"]
    readonly_fields = [
        "version",
        "is_current",
        "created_at",
        "created_by",
        "sms_cost",
        "pretty_definition",
    ]

    def has_add_permission(self, request):
        return request.user.has_perm(PUBLISH_PROTOCOL)

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm(PUBLISH_PROTOCOL)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="What it costs the patient (issue 23)")
    def sms_cost(self, obj):
        """Texts, segments, UCS-2 texts and checks over the SMS question limit, per language and
        per check: whoever edits a protocol sees what the patient receives."""
        from .instruments.burden import burden_html

        return burden_html(obj.definition) if obj is not None and obj.definition else "-"

    @admin.display(description="Definition (read-only view)")
    def pretty_definition(self, obj):
        from django.utils.html import format_html

        return format_html(
            "<pre>{}</pre>", json.dumps(obj.definition, indent=2, ensure_ascii=False)
        )

    def save_model(self, request, obj, form, change):
        if not request.user.has_perm(PUBLISH_PROTOCOL):
            raise PermissionDenied("Publishing a shared protocol needs its own permission.")
        new = protocol_publish(
            code=obj.code,
            definition=obj.definition,
            user=request.user,
            change_note=obj.change_note or "edited in admin",
            override_reason=form.cleaned_data.get("override_reason") or "",
            request=request,
        )
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
class EnrollmentAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
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
    list_filter = [
        ("clinic", admin.RelatedOnlyFieldListFilter),
        "procedure",
        "status",
        ("physician", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["patient__mrn", "patient__last_name", "patient__first_name"]
    raw_id_fields = ["patient"]
    readonly_fields = ["protocol", "created_at", "created_by"]
    inlines = [CheckpointInline]

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, obj):
        return obj.patient.mrn


@admin.register(Checkpoint)
class CheckpointAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    audit_patient_lookup = "enrollment__patient_id"
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
    clinic_path = "enrollment__clinic"

    list_display = ["id", "enrollment", "key", "target_date", "send_at", "status", "status_reason"]
    list_filter = [
        "status",
        "key",
        "enrollment__procedure",
        ("enrollment__clinic", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["enrollment__patient__mrn", "enrollment__patient__last_name"]
    raw_id_fields = ["enrollment"]


@admin.register(Answer)
class AnswerAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    audit_patient_lookup = "checkpoint__enrollment__patient_id"
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
    clinic_path = "checkpoint__enrollment__clinic"

    list_display = ["id", "checkpoint", "question_code", "status", "answered_at"]
    list_filter = ["status", "instrument"]
    search_fields = ["checkpoint__enrollment__patient__mrn", "question_code"]
    raw_id_fields = ["checkpoint"]


@admin.register(Score)
class ScoreAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    audit_patient_lookup = "checkpoint__enrollment__patient_id"
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
    clinic_path = "checkpoint__enrollment__clinic"

    list_display = ["id", "checkpoint", "kind", "value", "computed_at"]
    list_filter = ["kind"]
    search_fields = ["checkpoint__enrollment__patient__mrn"]
    raw_id_fields = ["checkpoint"]


@admin.register(Flag)
class FlagAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
    clinic_path = "patient__clinic"
    list_display = ["id", "tier", "rule_code", "reason", "created_at"]
    list_filter = ["tier", "rule_code"]
    search_fields = ["patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "enrollment", "checkpoint", "escalation"]


@admin.register(Escalation)
class EscalationAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    """Read-only; the one triage action here goes through the service (timeline, pages, audit)."""

    clinic_path = "clinic"
    phi = True
    list_display = [
        "code",
        "tier",
        "kind",
        "status",
        "created_at",
        "acknowledged_at",
        "resolved_at",
    ]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter), "tier", "status"]
    search_fields = ["code", "patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "enrollment", "owner", "acknowledged_by", "resolved_by"]
    actions = ["acknowledge"]

    def has_act_on_escalation_permission(self, request) -> bool:
        return request.user.is_superuser or self.admin_clinics(request, "act_on").exists()

    @admin.action(description="Acknowledge (stops re-paging)", permissions=["act_on_escalation"])
    def acknowledge(self, request, queryset):
        done = refused = 0
        for escalation in queryset.select_related("clinic", "patient"):
            if not user_has_clinic_perm(request.user, ACT_ON_ESCALATION, escalation.clinic_id):
                refused += 1
                continue
            won = escalation_acknowledge(escalation=escalation, user=request.user, via="admin")
            audit_record(
                action=AuditAction.ACKNOWLEDGE,
                request=request,
                obj=escalation,
                patient=escalation.patient,
                detail={"won": won, "code": escalation.code, "via": "admin"},
            )
            done += won
        self.message_user(request, f"Acknowledged {done}.")
        if refused:
            self.message_user(
                request, f"{refused} not acknowledged: not your clinic.", level=messages.ERROR
            )


@admin.register(Page)
class PageAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    audit_patient_lookup = "escalation__patient_id"
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
    clinic_path = "escalation__clinic"
    list_display = ["id", "escalation", "step", "recipient", "channel", "created_at", "failed_at"]
    list_filter = ["channel"]
    search_fields = ["escalation__code"]
    raw_id_fields = ["escalation", "recipient"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(ClinicScopedAdmin):
    """Times are entered and shown in the clinic's time zone; overlaps and gaps are reported."""

    clinic_path = "clinic"
    form = ShiftForm
    list_display = ["clinic", "user", "role", "local_start", "local_end"]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter), "role"]
    search_fields = ["user__username", "user__last_name"]

    @admin.display(description="Starts (clinic time)", ordering="starts_at")
    def local_start(self, obj):
        return _local(obj.starts_at, obj.clinic)

    @admin.display(description="Ends (clinic time)", ordering="ends_at")
    def local_end(self, obj):
        return _local(obj.ends_at, obj.clinic)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone = self._zone(request, object_id)
        if zone is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(zone):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _zone(self, request, object_id) -> str | None:
        """The clinic's zone: the shift's, the posted clinic's, or the admin's only clinic's."""
        clinics = self._choice_clinics(request).distinct()
        if object_id:
            shift = self.get_queryset(request).filter(pk=object_id).select_related("clinic")
            first = shift.first()
            return first.clinic.time_zone if first else None
        posted = request.POST.get("clinic") or request.GET.get("clinic")
        if posted and posted.isdigit():
            clinic = clinics.filter(pk=posted).first()
            return clinic.time_zone if clinic else None
        zones = set(clinics.values_list("time_zone", flat=True)[:2])
        return zones.pop() if len(zones) == 1 else None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for other in roster_overlaps(shift=obj):
            self.message_user(
                request,
                f"Overlaps {other.user.get_username()}'s {other.get_role_display()} shift "
                f"{_local(other.starts_at, obj.clinic)} - {_local(other.ends_at, obj.clinic)}.",
                level=messages.WARNING,
            )
        now = timezone.now()
        for start, end in roster_gaps(
            clinic=obj.clinic, role=obj.role, start=now, end=now + dt.timedelta(days=7)
        )[:5]:
            self.message_user(
                request,
                f"Nobody is {obj.get_role_display()} from {_local(start, obj.clinic)} "
                f"to {_local(end, obj.clinic)}.",
                level=messages.WARNING,
            )


def _local(moment, clinic) -> str:
    zone = zoneinfo.ZoneInfo(clinic.time_zone)
    return f"{moment.astimezone(zone):%a %Y-%m-%d %H:%M} ({clinic.time_zone})"


@admin.register(EscalationChain)
class EscalationChainAdmin(ClinicScopedAdmin):
    """Steps as rows, targets from the clinic's roles and roster; validated before saving."""

    clinic_path = "clinic"
    form = ChainForm
    list_display = ["clinic", "tier", "step_summary"]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter), "tier"]
    search_fields = ["clinic__name"]

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = None
        form = super().get_form(request, obj, **kwargs)
        clinics = self._choice_clinics(request).distinct()
        if request.user.is_superuser:
            clinics = Clinic.objects.all()

        class ScopedChainForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, target_clinics=clinics, **inner)

        return ScopedChainForm

    def get_fieldsets(self, request, obj=None):
        rows = [
            (
                f"Step {n}",
                {
                    "fields": [
                        (f"step{n}_after", f"step{n}_target", f"step{n}_hours", f"step{n}_repeat")
                    ]
                },
            )
            for n in range(1, MAX_STEPS + 1)
        ]
        return [(None, {"fields": ["clinic", "tier"]}), *rows]

    @admin.display(description="Steps")
    def step_summary(self, obj):
        parts = [
            f"+{s.get('after_minutes')}m {s.get('target')}"
            + (f" ({s['hours']})" if s.get("hours") else "")
            for s in obj.steps or []
        ]
        return "; ".join(parts) or "-"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["subtitle"] = f"Business hours: {business_hours_text(obj.clinic)}"
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(TimelineEvent)
class TimelineEventAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    phi = True  # read-only for everyone but superusers (patients.admin_scope)
    clinic_path = "patient__clinic"
    list_display = ["at", "kind", "summary"]
    list_filter = ["kind"]
    search_fields = ["patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "enrollment", "escalation", "actor"]


@admin.register(DiaryEntry)
class DiaryEntryAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    """Relief-diary prompts and answers (issue 23). Read-only but for superusers: an answer is
    recorded by ``followup/diaries/services.py`` (late flag, prompt matching), not by a form."""

    audit_patient_lookup = "enrollment__patient_id"
    phi = True
    clinic_path = "enrollment__clinic"
    list_display = ["id", "enrollment", "kind", "series", "key", "send_at", "sent_at", "pain"]
    list_filter = ["kind", ("enrollment__clinic", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["enrollment__patient__mrn", "enrollment__patient__last_name"]
    raw_id_fields = ["enrollment"]
