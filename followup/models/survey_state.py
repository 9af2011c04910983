"""State the survey engine keeps beside a checkpoint: web-form links and drafts, and the question
"who is writing?" asked when a phone number belongs to more than one patient."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class FormLink(models.Model):
    """A secret link to one check's web form.

    Only the SHA-256 of the token is stored: a database dump or a staff screen never shows a
    working link, and the URL itself carries nothing but random characters (no PHI, no ids).
    """

    checkpoint = models.ForeignKey(
        "followup.Checkpoint", on_delete=models.CASCADE, related_name="form_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"FormLink #{self.pk} for checkpoint {self.checkpoint_id}"


class FormDraft(models.Model):
    """What the patient has entered on the web form so far; a reload or a second visit resumes it."""

    checkpoint = models.OneToOneField(
        "followup.Checkpoint", on_delete=models.CASCADE, related_name="form_draft"
    )
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"FormDraft for checkpoint {self.checkpoint_id}"


class SenderPromptStatus(models.TextChoices):
    ASKING = "asking", "Waiting for the sender to say who they are"
    CHOSEN = "chosen", "Sender chosen; replies go to that patient for a while"
    CLOSED = "closed", "Closed"


class SenderPrompt(models.Model):
    """A text from a number shared by several patients, held until the sender picks who they are.

    We never guess: the held texts are routed only after an explicit choice, and texts that are
    never attributed end on every candidate's timeline for staff.
    """

    phone = models.CharField(max_length=32)
    status = models.CharField(
        max_length=10, choices=SenderPromptStatus.choices, default=SenderPromptStatus.ASKING
    )
    # Option order as offered ("1" is the first id); ids only, the initials are rebuilt when needed.
    patient_ids = models.JSONField(default=list)
    held_inbound_ids = models.JSONField(default=list)
    prompts_sent = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    # ASKING: when unattributed texts go to staff. CHOSEN: when the choice stops applying.
    expires_at = models.DateTimeField()
    chosen_patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["phone"], name="senderprompt_live_idx", condition=~Q(status="closed")
            ),
            models.Index(
                fields=["expires_at"], name="senderprompt_expiry_idx", condition=~Q(status="closed")
            ),
        ]

    def __str__(self) -> str:
        return f"SenderPrompt #{self.pk} {self.status}"
