from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Side(models.TextChoices):
    NONE = "", "-"
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BILATERAL = "bilateral", "Bilateral"
    MIDLINE = "midline", "Midline"


class Enrollment(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="enrollments"
    )
    clinic = models.ForeignKey(
        "patients.Clinic", on_delete=models.PROTECT, related_name="enrollments"
    )
    protocol = models.ForeignKey(
        "followup.Protocol", on_delete=models.PROTECT, related_name="enrollments"
    )
    # Copied from the protocol so "same patient, procedure and date" is a database constraint.
    procedure = models.CharField(max_length=20)
    physician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments_as_physician"
    )
    performed_on = models.DateField()
    levels = models.CharField(max_length=100, blank=True, help_text="e.g. L4-L5, T12")
    side = models.CharField(max_length=10, choices=Side.choices, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    baseline_pain = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    baseline_odi = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    # Baselines of the measures reported apart (issue 23): the NDI for a cervical procedure, and
    # back and leg pain as spine registries score them. Optional: without one, the page and the
    # exports show the measure as answered and no change figure.
    baseline_ndi = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    baseline_back_pain = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    baseline_leg_pain = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    external_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-performed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "procedure", "performed_on"],
                name="one_enrollment_per_procedure_date",
            )
        ]
        indexes = [models.Index(fields=["clinic", "status"], name="enrollment_clinic_status_idx")]

    def __str__(self) -> str:
        return f"Enrollment #{self.pk} ({self.procedure})"


class CheckpointStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    OPEN = "open", "Open"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"
    SKIPPED = "skipped", "Skipped"


class Checkpoint(models.Model):
    """One scheduled check of an enrollment. ``send_at`` and ``closes_at`` are the sweep's queue."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="checkpoints")
    key = models.CharField(max_length=20)
    label = models.CharField(max_length=100)
    target_date = models.DateField()
    window_opens = models.DateField()
    window_closes = models.DateField()
    send_at = models.DateTimeField(
        help_text="When the check goes out (UTC), from the patient's local send time"
    )
    closes_at = models.DateTimeField(
        help_text="End of the last window day in the patient's zone (UTC)"
    )
    status = models.CharField(
        max_length=10, choices=CheckpointStatus.choices, default=CheckpointStatus.SCHEDULED
    )
    # Why the check did or did not go out, for staff ("deferred: quiet hours", "skipped: enrolled late").
    status_reason = models.CharField(max_length=200, blank=True)
    question_codes = models.JSONField(default=list)
    channel = models.CharField(max_length=10, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Conversation state: index into question_codes and failed parse attempts on that question.
    current_index = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "key"], name="checkpoint_key_unique")
        ]
        indexes = [
            models.Index(
                fields=["send_at"], name="checkpoint_due_idx", condition=Q(status="scheduled")
            ),
            models.Index(
                fields=["closes_at"], name="checkpoint_open_idx", condition=Q(status="open")
            ),
            models.Index(
                fields=["next_reminder_at"],
                name="checkpoint_reminder_idx",
                condition=Q(status="open", next_reminder_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Checkpoint #{self.pk} {self.key}"

    @property
    def current_question(self) -> str | None:
        if self.current_index < len(self.question_codes):
            return self.question_codes[self.current_index]
        return None
