"""The outbox of every message we send and the log of every message we receive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    # The provider's outcome is unknown (timeout after the request left, or a worker died mid-call).
    # Never resent blindly: reconciled from the status callback or the provider's message log first.
    UNKNOWN = "unknown", "Unknown (reconciling)"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class OutboundPurpose(models.TextChoices):
    CHECK_OPEN = "check_open", "Check opened"
    QUESTION = "question", "Survey question"
    REMINDER = "reminder", "Reminder"
    SAFETY = "safety", "Safety instruction"
    KEYWORD = "keyword", "Keyword reply"
    NEUTRAL = "neutral", "Reply to unknown number"
    PAGE = "page", "Clinician page"
    STAFF_ALERT = "staff_alert", "Staff alert"
    OTHER = "other", "Other"


class OutboundMessage(models.Model):
    # Unique through Meta.constraints, not unique=True: on PostgreSQL the latter adds a second,
    # varchar_pattern_ops index that no query uses. Every status change rewrites every index
    # entry of the row (status is in the partial indexes' predicates, so no HOT update): each
    # index costs each send twice, which is why the indexes on columns most rows leave empty
    # are partial.
    idempotency_key = models.CharField(max_length=200)
    channel = models.CharField(max_length=10)  # sms | email
    to = models.CharField(max_length=254)
    # Who it is sent from: an E.164 number or a messaging service SID (MG...), chosen by the
    # domain when it enqueues; blank means the backend's default sender.
    sender = models.CharField(max_length=34, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    purpose = models.CharField(
        max_length=20, choices=OutboundPurpose.choices, default=OutboundPurpose.OTHER
    )
    # Counts against the per-patient daily/weekly cap on texts the patient did not ask for.
    unsolicited = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=OutboundStatus.choices, default=OutboundStatus.PENDING
    )
    # NULL, not "", until Twilio gives an id: the unique constraint allows many NULLs.
    provider_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    provider_status = models.CharField(max_length=20, blank=True)
    error_code = models.CharField(max_length=20, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
        db_index=False,  # outbox_patient_idx (patient, created_at) serves it
    )
    checkpoint = models.ForeignKey(
        "followup.Checkpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # outbox_recipient_idx: only the staff rows that have one
    )
    # Defaults to now but takes the sweep's clock, so frequency caps hold under --as-of and the demo clock.
    created_at = models.DateTimeField(default=timezone.now)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_pending_idx", condition=Q(status="pending")
            ),
            models.Index(
                fields=["sending_started_at"],
                name="outbox_inflight_idx",
                condition=Q(status__in=["sending", "unknown"]),
            ),
            models.Index(fields=["patient", "created_at"], name="outbox_patient_idx"),
            models.Index(fields=["to", "created_at"], name="outbox_to_idx"),
            # Partial: most rows go to patients and have no recipient user; a NULL entry would
            # still be written for each of them on every status change.
            models.Index(
                fields=["recipient_user"],
                name="outbox_recipient_idx",
                condition=Q(recipient_user__isnull=False),
            ),
            # The send-failure alert (notifications/health.py send_failures_by_code) reads recent
            # failures every few minutes; partial, so the millions of sent rows never enter it.
            models.Index(
                fields=["updated_at"],
                name="outbox_failed_idx",
                condition=Q(status="failed") | ~Q(error_code=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_key"], name="outbox_idempotency_key_uniq"),
            # Partial for the same reason: a row has no provider id until it is sent.
            models.UniqueConstraint(
                fields=["provider_id"],
                name="outbox_provider_id_uniq",
                condition=Q(provider_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Outbound #{self.pk} {self.channel} {self.status}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSING = "processing", "Processing"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class InboundMessage(models.Model):
    # Unique through Meta.constraints (see OutboundMessage.idempotency_key); the webhook's
    # INSERT ... ON CONFLICT (message_sid) infers this index.
    message_sid = models.CharField(max_length=64)
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32, blank=True)
    body = models.TextField(blank=True)
    params = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    kind = models.CharField(max_length=30, blank=True, help_text="How the message was handled")
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    checkpoint = models.ForeignKey(
        "followup.Checkpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    reply_text = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="inbound_unprocessed_idx",
                condition=~Q(status="processed"),
            ),
            models.Index(fields=["from_number", "received_at"], name="inbound_from_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["message_sid"], name="inbound_message_sid_uniq"),
        ]

    def __str__(self) -> str:
        return f"Inbound #{self.pk} {self.status}"
