"""What staff did about a worklist item: each phone call and its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Worklist(models.TextChoices):
    MISSED = "missed", "Missed checks"
    UNREACHABLE = "unreachable", "Unreachable patients"
    OPTED_OUT = "opted_out", "Opted-out patients"
    UNANSWERED = "unanswered", "Unanswered after two tries"


class CallOutcome(models.TextChoices):
    CALLED = "called", "Called, no answer"
    LEFT_MESSAGE = "left_message", "Left message"
    REACHED = "reached", "Reached"


class WorklistCall(models.Model):
    """One call about one worklist item. ``reached`` takes the item off the list.

    ``item_key`` names the item (``checkpoint:12``, ``answer:40``, ``patient:7:<since>``): items
    are computed from the follow-up rows, so the key is what ties calls to them.
    """

    clinic = models.ForeignKey("patients.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="worklist_calls"
    )
    worklist = models.CharField(max_length=12, choices=Worklist.choices)
    item_key = models.CharField(max_length=60)
    outcome = models.CharField(max_length=12, choices=CallOutcome.choices)
    note = models.CharField(max_length=500, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["worklist", "item_key"], name="worklistcall_item_idx")]

    def __str__(self) -> str:
        return f"WorklistCall #{self.pk} {self.worklist} {self.outcome}"
