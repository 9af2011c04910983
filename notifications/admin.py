from django.contrib import admin

from .models import InboundMessage, OutboundMessage


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    """Message logs span every clinic and hold patients' texts: superusers only, read-only.

    ``notifications`` knows nothing of clinics (it is the transport), so it cannot scope these
    rows to a clinic admin; clinic staff see a patient's messages on the patient's timeline.
    """

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(SuperuserReadOnlyAdmin):
    list_display = [
        "id",
        "channel",
        "purpose",
        "status",
        "attempts",
        "error_code",
        "created_at",
        "sent_at",
    ]
    list_filter = ["channel", "purpose", "status"]
    search_fields = ["patient__mrn", "provider_id", "idempotency_key"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]


@admin.register(InboundMessage)
class InboundMessageAdmin(SuperuserReadOnlyAdmin):
    list_display = ["id", "kind", "status", "received_at", "processed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["patient__mrn", "message_sid"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
