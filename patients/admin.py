from django.contrib import admin

from .models import AuditEvent, Clinic, ClinicMembership, Patient


class ClinicScopedAdmin(admin.ModelAdmin):
    """Clinic admins see only their own clinics' rows; superusers see everything."""

    clinic_path = "clinic"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        prefix = f"{self.clinic_path}__" if self.clinic_path else ""
        return queryset.filter(
            **{
                f"{prefix}memberships__user": request.user,
                f"{prefix}memberships__is_active": True,
            }
        ).distinct()


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


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"

    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    clinic_path = "clinic"

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
        "clinic",
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
