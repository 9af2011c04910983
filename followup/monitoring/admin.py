"""The monitoring rows in the Django admin, read-only for everyone: the system writes them.

- The sweep heartbeat belongs to the installation: superusers only.
- An alert with a clinic (a roster gap) is shown to that clinic's admins; an installation-wide
  alert (sweep late, sends failing) has no clinic and is shown to superusers only.
- A chain drill (test page) and its deliveries belong to their clinic.

Scoping is ``ClinicScopedAdmin``'s (patients/admin_scope.py): the list, any id in a URL and any
choice are limited to the clinics where the user's role holds the model's view permission.
"""

from __future__ import annotations

from django.contrib import admin

from patients.admin import ClinicScopedAdmin

from .models import OpsAlert, SweepHeartbeat, TestPage, TestPageDelivery


class _ReadOnly:
    """No add, change or delete through the admin, superusers included."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SweepHeartbeat)
class SweepHeartbeatAdmin(_ReadOnly, admin.ModelAdmin):
    list_display = ["name", "completed_at", "ok", "duration_seconds", "runs", "failures", "error"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        # The app index lists the module when any of its models is visible; this model alone
        # must not put it there for a clinic admin.
        return self.has_view_permission(request)


@admin.register(OpsAlert)
class OpsAlertAdmin(_ReadOnly, ClinicScopedAdmin):
    clinic_path = "clinic"  # no clinic: installation-wide, outside every clinic's scope
    list_display = ["kind", "clinic", "detail", "opened_at", "resolved_at", "emailed"]
    list_filter = ["kind", ("clinic", admin.RelatedOnlyFieldListFilter)]


class TestPageDeliveryInline(admin.TabularInline):
    model = TestPageDelivery
    extra = 0
    fields = ["step", "target", "recipient", "channel", "acknowledged_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TestPage)
class TestPageAdmin(_ReadOnly, ClinicScopedAdmin):
    clinic_path = "clinic"
    list_display = ["id", "clinic", "requested_by", "created_at"]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter)]
    inlines = [TestPageDeliveryInline]


@admin.register(TestPageDelivery)
class TestPageDeliveryAdmin(_ReadOnly, ClinicScopedAdmin):
    clinic_path = "test_page__clinic"
    list_display = ["id", "test_page", "step", "target", "channel", "acknowledged_at"]
    exclude = ["token"]  # the recipient's acknowledgement link: theirs, not the admin's
    list_filter = ["channel"]
