"""Red flags, the escalations that page clinicians about them, rosters and the patient timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Tier(models.TextChoices):
    EMERGENCY = "EMERGENCY", "Emergency"
    URGENT = "URGENT", "Urgent"
    ROUTINE = "ROUTINE", "Routine"


class Flag(models.Model):
    """One red-flag finding: which rule fired, on what evidence, when."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="flags")
    enrollment = models.ForeignKey(
        "followup.Enrollment", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    checkpoint = models.ForeignKey(
        "followup.Checkpoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    escalation = models.ForeignKey(
        "followup.Escalation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flags",
    )
    rule_code = models.CharField(max_length=40)
    tier = models.CharField(max_length=10, choices=Tier.choices)
    reason = models.CharField(max_length=200)
    evidence = models.TextField(blank=True, help_text="The answer or text that raised the flag")
    source = models.CharField(max_length=200, blank=True, help_text="Clinical source of the rule")
    inbound_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "created_at"], name="flag_patient_idx")]

    def __str__(self) -> str:
        return f"Flag #{self.pk} {self.tier} {self.rule_code}"


class EscalationStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Outcome(models.TextChoices):
    REACHED_ED = "reached_ed", "Reached patient - advised emergency department"
    REACHED_VISIT = "reached_visit", "Reached patient - clinic visit arranged"
    REACHED_REASSURED = "reached_reassured", "Reached patient - reassured"
    REACHED_OTHER = "reached_other", "Reached patient - other plan"
    NOT_REACHED_MESSAGE = "not_reached_message", "Could not reach - left message"
    NOT_REACHED_EMERGENCY = (
        "not_reached_emergency",
        "Could not reach - emergency contact / welfare check",
    )
    NOT_REACHED_OTHER = "not_reached_other", "Could not reach - other"
    NOT_CLINICAL = "not_clinical", "Not a clinical concern"


class Escalation(models.Model):
    """A red flag that needs a person. Open until someone acknowledges; re-paged up the chain."""

    clinic = models.ForeignKey(
        "patients.Clinic", on_delete=models.CASCADE, related_name="escalations"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="escalations"
    )
    enrollment = models.ForeignKey(
        "followup.Enrollment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
    )
    tier = models.CharField(max_length=10, choices=Tier.choices)
    kind = models.CharField(
        max_length=40, help_text="Rule code; one unresolved escalation per patient and kind"
    )
    reason = models.CharField(max_length=200)
    # Short code clinicians text back ("ACK 4821"); carries no patient detail.
    code = models.CharField(max_length=8, db_index=True)
    status = models.CharField(
        max_length=12, choices=EscalationStatus.choices, default=EscalationStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    current_step = models.PositiveSmallIntegerField(default=0)
    next_page_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_via = models.CharField(max_length=10, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("act_on_escalation", "Can acknowledge, assign, annotate and resolve escalations")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind"],
                condition=~Q(status="resolved"),
                name="one_unresolved_escalation_per_kind",
            ),
            # The code is what a clinician texts back ("ACK 4821"): it must name one live escalation.
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(status="resolved"),
                name="one_unresolved_escalation_per_code",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_page_at"], name="escalation_repage_idx", condition=Q(status="open")
            ),
            models.Index(fields=["clinic", "status", "tier"], name="escalation_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.code} {self.tier} {self.status}"


class Page(models.Model):
    """One notification of one clinician about one escalation (SMS and/or email)."""

    escalation = models.ForeignKey(Escalation, on_delete=models.CASCADE, related_name="pages")
    step = models.PositiveSmallIntegerField()
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pages"
    )
    channel = models.CharField(max_length=10)
    outbound_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["escalation", "step", "recipient", "channel"], name="page_once_per_step"
            )
        ]
        # A failed delivery finds its page by the outbox row id.
        indexes = [models.Index(fields=["outbound_message_id"], name="page_outbound_idx")]

    def __str__(self) -> str:
        return f"Page #{self.pk} step {self.step} {self.channel}"


class OnCallShift(models.Model):
    """Who is on call for a clinic, from when to when. ``role`` picks the step of a chain."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "On call"
        BACKUP = "backup", "Backup"
        LEAD = "lead", "Clinic lead"

    clinic = models.ForeignKey(
        "patients.Clinic", on_delete=models.CASCADE, related_name="oncall_shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_shifts"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.PRIMARY)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(
                fields=["clinic", "role", "starts_at", "ends_at"], name="oncall_lookup_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.starts_at:%Y-%m-%d %H:%M}"


class EscalationChain(models.Model):
    """Per clinic and tier: who is paged, and after how many minutes without acknowledgement.

    ``steps`` is a list like ``[{"after_minutes": 0, "target": "oncall:primary"},
    {"after_minutes": 10, "target": "oncall:backup"}, {"after_minutes": 20, "target": "oncall:lead"}]``;
    targets are ``oncall:<role>``, ``role:<clinic role>`` (e.g. the triage nurse pool) or ``user:<username>``,
    optionally with ``"hours": "business"|"after"`` to apply only in or out of business hours. The last
    step may carry ``"repeat_minutes"``: it is paged again at that interval until someone acknowledges.
    A clinic without a chain for a tier gets ``followup.services.escalations.DEFAULT_CHAINS``.
    """

    clinic = models.ForeignKey(
        "patients.Clinic", on_delete=models.CASCADE, related_name="escalation_chains"
    )
    tier = models.CharField(max_length=10, choices=Tier.choices)
    steps = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "tier"], name="one_chain_per_tier")
        ]

    def __str__(self) -> str:
        return f"{self.clinic.slug} {self.tier} chain"


class TimelineEvent(models.Model):
    """Append-only story of a patient's follow-up: checks, messages, flags, pages, acks, notes."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="timeline"
    )
    enrollment = models.ForeignKey(
        "followup.Enrollment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    escalation = models.ForeignKey(
        Escalation, null=True, blank=True, on_delete=models.CASCADE, related_name="timeline"
    )
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["patient", "at"], name="timeline_patient_idx")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"
