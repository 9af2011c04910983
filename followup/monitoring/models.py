"""Rows the monitoring keeps: the sweep's heartbeat, open alerts (one per incident), test pages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SweepHeartbeat(models.Model):
    """One row per periodic job (``dispatch``): when it last ran and last completed, and how."""

    name = models.CharField(max_length=40)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    # The last run that finished every step: what "the sweep is late" is measured from.
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(default=0)
    ok = models.BooleanField(default=False)
    # Step names and counts only (the sweep's summary carries no patient data).
    summary = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=200, blank=True)
    runs = models.PositiveBigIntegerField(default=0)
    failures = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name"], name="sweep_heartbeat_name_uniq")]

    def __str__(self) -> str:
        return f"Heartbeat {self.name} {self.completed_at}"


class AlertKind(models.TextChoices):
    SWEEP_LATE = "sweep_late", "Sweep late"
    SENDS_BLOCKED = "sends_blocked", "Twilio account or sender refused"
    SENDS_FAILING = "sends_failing", "Every send failing"
    ONCALL_GAP = "oncall_gap", "Nobody on call"


class OpsAlert(models.Model):
    """One incident. The partial unique constraint is the claim: whichever process inserts the
    open row first (web or worker) sends the email; the others find it there."""

    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # "" for the whole installation; a clinic id (and day) for a clinic's roster gap.
    scope = models.CharField(max_length=60, blank=True)
    clinic = models.ForeignKey(
        "patients.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    detail = models.CharField(max_length=300)
    opened_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    emailed = models.PositiveIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "scope"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_alert_per_kind_scope",
            )
        ]
        indexes = [
            models.Index(
                fields=["opened_at"],
                name="ops_alert_open_idx",
                condition=Q(resolved_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.scope} {self.opened_at:%Y-%m-%d %H:%M}"


class TestPage(models.Model):
    """A clinic admin's drill of the EMERGENCY chain: no patient, no escalation."""

    __test__ = False  # not a pytest class

    clinic = models.ForeignKey("patients.Clinic", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Test page #{self.pk}"


class TestPageDelivery(models.Model):
    """One recipient and channel of a test page; its outbox row says whether it went out."""

    __test__ = False

    test_page = models.ForeignKey(TestPage, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    step = models.PositiveSmallIntegerField()
    target = models.CharField(max_length=60)
    channel = models.CharField(max_length=10)
    outbound_message_id = models.BigIntegerField(null=True, blank=True)
    token = models.CharField(max_length=32)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["step", "id"]
        constraints = [
            models.UniqueConstraint(fields=["token"], name="test_page_token_uniq"),
        ]

    def __str__(self) -> str:
        return f"Test page #{self.test_page_id} step {self.step} {self.channel}"
