from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from .admin_audit import AuditedAdminMixin
from .admin_scope import ClinicScopedAdmin
from .audit import audit_record
from .invites import INVITABLE_ROLES, InviteRefused, staff_invite
from .models import AuditAction, AuditEvent, Clinic, ClinicMembership, Patient, Role

__all__ = ["ClinicScopedAdmin"]  # followup.admin builds on it


class MembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_path = ""  # the clinic itself

    list_display = ["name", "slug", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_inlines(self, request, obj):
        # Memberships are granted in their own admin, with its rules; the inline is the
        # superuser's shortcut.
        return self.inlines if request.user.is_superuser else []

    def get_readonly_fields(self, request, obj=None):
        # The sender decides which clinic's patients inbound texts reach
        # (followup.conversation.clinic_routing): a clinic admin pointing theirs at another
        # clinic's number would pull that clinic's texts into the choice. Superusers only.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["sms_from_number", "sms_messaging_service_sid"]
        return fields


class MembershipForm(forms.ModelForm):
    """Clinic admins grant nurse and physician roles only, and never to themselves."""

    class Meta:
        model = ClinicMembership
        fields = ["user", "clinic", "role", "page_phone", "page_email", "is_active"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        if request is not None and not request.user.is_superuser:
            self.fields["role"].choices = [
                choice for choice in self.fields["role"].choices if choice[0] != Role.CLINIC_ADMIN
            ]
            if "user" in self.fields:
                self.fields["user"].queryset = self.fields["user"].queryset.exclude(
                    pk=request.user.pk
                )

    def clean(self):
        cleaned = super().clean()
        membership_rules_check(
            user=self.request.user if self.request else None,
            target_user=cleaned.get("user"),
            role=cleaned.get("role"),
            instance=self.instance,
            error=forms.ValidationError,
        )
        return cleaned


def membership_rules_check(*, user, target_user, role, instance, error=PermissionDenied) -> None:
    """Raise ``error`` when a non-superuser would grant clinic_admin or touch their own access."""
    if user is None or user.is_superuser:
        return
    if role == Role.CLINIC_ADMIN or (instance.pk and instance.role == Role.CLINIC_ADMIN):
        raise error("Only a superuser grants or changes the clinic admin role.")
    if target_user is not None and target_user.pk == user.pk:
        raise error("You cannot create or change your own membership.")


def _protected_membership(request, obj) -> bool:
    """A clinic admin's own membership and every clinic admin's are the superuser's to change."""
    if obj is None or request.user.is_superuser:
        return False
    return obj.user_id == request.user.pk or obj.role == Role.CLINIC_ADMIN


class InviteForm(forms.Form):
    clinic = forms.ModelChoiceField(queryset=Clinic.objects.none())
    role = forms.ChoiceField(choices=[(r.value, r.label) for r in INVITABLE_ROLES])
    username = forms.RegexField(regex=r"^[\w.@+-]{3,150}$", max_length=150)
    email = forms.EmailField(help_text="The invitation link goes here.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    page_phone = forms.CharField(
        max_length=20,
        required=False,
        validators=ClinicMembership._meta.get_field("page_phone").validators,
    )

    def __init__(self, *args, clinics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics if clinics is not None else Clinic.objects.none()


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"
    form = MembershipForm

    def get_urls(self):
        invite = path(
            "invite/",
            self.admin_site.admin_view(self.invite_view),
            name="patients_clinicmembership_invite",
        )
        return [invite, *super().get_urls()]

    def invite_view(self, request):
        """Invite a new member of staff to one of the clinics the user administers."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        clinics = self.admin_clinics(request, "add")
        form = InviteForm(request.POST or None, clinics=clinics)
        if request.method == "POST" and form.is_valid():
            try:
                membership = staff_invite(by=request.user, request=request, **form.cleaned_data)
            except InviteRefused as exc:
                form.add_error("username", str(exc))
            else:
                self.message_user(
                    request,
                    f"Invited {membership.user.get_username()} to {membership.clinic}: "
                    "they choose their password from the emailed link.",
                    messages.SUCCESS,
                )
                return redirect("admin:patients_clinicmembership_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Invite staff",
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/patients/invite.html", context)

    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter), "role", "is_active"]
    search_fields = ["user__username", "user__last_name"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, request=request, **inner)

        return RequestForm

    def has_change_permission(self, request, obj=None):
        if _protected_membership(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if _protected_membership(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        previous = ClinicMembership.objects.filter(pk=obj.pk).first() if obj.pk else None
        membership_rules_check(
            user=request.user,
            target_user=obj.user,
            role=obj.role,
            instance=previous or ClinicMembership(),
        )
        super().save_model(request, obj, form, change)
        audit_record(
            action=AuditAction.ASSIGN if change else AuditAction.CREATE,
            request=request,
            clinic=obj.clinic,
            obj=obj,
            detail={
                "user_id": obj.user_id,
                "role": obj.role,
                "is_active": obj.is_active,
                "previous_role": previous.role if previous else None,
            },
        )


@admin.register(Patient)
class PatientAdmin(AuditedAdminMixin, ClinicScopedAdmin):
    clinic_path = "clinic"
    phi = True

    list_display = [
        "mrn",
        "last_name",
        "first_name",
        "clinic",
        "preferred_channel",
        "language",
        "opted_out_at",
    ]
    list_filter = [
        ("clinic", admin.RelatedOnlyFieldListFilter),
        "language",
        "preferred_channel",
        ("opted_out_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["mrn", "last_name", "first_name"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "opted_out_at",
        "opt_out_source",
        "phone_invalid_at",
    ]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only (the database refuses updates and deletes too)."""

    list_display = ["at", "username", "action", "clinic", "patient"]
    list_filter = ["action"]
    search_fields = ["username"]

    def get_queryset(self, request):
        from .audit import audit_events_visible_to

        return audit_events_visible_to(user=request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
