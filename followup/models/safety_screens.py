"""State of a structured safety screen sent after an uncertain free text (issue 21 item 3).

One row per screen sent. While it is OPEN the patient's next (non-keyword) text is read as its
answer; the sweep raises an OPEN screen past ``due_at`` for nurse review. The database is the
source of truth for what is due (no Celery countdown).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SafetyScreenStatus(models.TextChoices):
    OPEN = "open", "Waiting for the patient's answer"
    EMERGENCY = "emergency", "Patient picked an emergency symptom"
    NONE = "none", "Patient answered none of these"
    TIMED_OUT = "timed_out", "No answer in time: raised for nurse review"
    UNCLEAR = "unclear", "Unreadable answers: raised for nurse review"
    SUPERSEDED = "superseded", "Closed by an EMERGENCY raised otherwise"


class SafetyScreenRequest(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="safety_screens"
    )
    enrollment = models.ForeignKey(
        "followup.Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkpoint = models.ForeignKey(
        "followup.Checkpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The text that prompted the screen (its id only: the body stays in the inbound table).
    inbound_message_id = models.BigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, default="en")
    options = models.JSONField(default=list)  # concept codes, option n is options[n - 1]
    status = models.CharField(
        max_length=12, choices=SafetyScreenStatus.choices, default=SafetyScreenStatus.OPEN
    )
    prompts_sent = models.PositiveSmallIntegerField(default=1)
    sent_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="safetyscreen_open_due",
                condition=Q(status="open"),
            )
        ]

    def __str__(self) -> str:
        return f"SafetyScreenRequest #{self.pk} ({self.status})"


def safety_screen_timeout() -> dt.timedelta:
    """How long a safety screen waits for its answer (``SAFETY_SCREEN_TIMEOUT_MINUTES``, default 15)."""
    return dt.timedelta(minutes=int(getattr(settings, "SAFETY_SCREEN_TIMEOUT_MINUTES", 15)))


class TextLabelTier(models.TextChoices):
    EMERGENCY = "EMERGENCY", "Emergency"
    URGENT = "URGENT", "Urgent"
    ROUTINE = "ROUTINE", "Routine"
    NONE = "NONE", "None"


class TextLabel(models.Model):
    """Staff's judgement of a patient text's true tier (issue 21 item 4, the validation loop).

    One per inbound text; a new click replaces it (each click is audited). The text itself stays
    in the inbound table: ``screening_report --clinic`` reads it from there.
    """

    inbound = models.OneToOneField(
        "notifications.InboundMessage", on_delete=models.CASCADE, related_name="tier_label"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey("patients.Clinic", on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=10, choices=TextLabelTier.choices)
    labelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    labelled_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"TextLabel {self.tier} for inbound {self.inbound_id}"


class ShadowDisagreement(models.Model):
    """A text on which the candidate rule set (shadow mode) and the live one disagreed.

    Verdicts and codes only; the text stays in the inbound table, found by its id.
    """

    rule_set = models.CharField(max_length=100)
    clinic = models.ForeignKey(
        "patients.Clinic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    inbound_message_id = models.BigIntegerField(null=True, blank=True)
    live_tier = models.CharField(max_length=10)
    candidate_tier = models.CharField(max_length=10)
    live_safety_screen = models.BooleanField(default=False)
    candidate_safety_screen = models.BooleanField(default=False)
    live_codes = models.JSONField(default=list)
    candidate_codes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"ShadowDisagreement {self.live_tier}->{self.candidate_tier} ({self.rule_set})"
