from django.contrib import admin

from .models import InboundMessage, OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
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
    raw_id_fields = ["patient", "checkpoint", "recipient_user"]
    readonly_fields = [f.name for f in OutboundMessage._meta.fields]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "received_at", "processed_at"]
    list_filter = ["kind", "status"]
    search_fields = ["patient__mrn", "message_sid"]
    raw_id_fields = ["patient", "checkpoint"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields]
