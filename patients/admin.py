from django.contrib import admin

from .models import Clinic, ClinicMembership, Patient


class MembershipInline(admin.TabularInline):
    model = ClinicMembership
    extra = 0


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "phone", "time_zone", "quiet_hours_start", "quiet_hours_end"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clinic", "role", "is_active"]
    list_filter = ["clinic", "role", "is_active"]
    search_fields = ["user__username", "user__last_name"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["mrn", "last_name", "first_name", "clinic", "preferred_channel", "language", "opted_out_at"]
    list_filter = ["clinic", "language", "preferred_channel", ("opted_out_at", admin.EmptyFieldListFilter)]
    search_fields = ["mrn", "last_name", "first_name"]
    readonly_fields = ["created_at", "updated_at", "opted_out_at", "opt_out_source", "phone_invalid_at"]
