from __future__ import annotations

from django.db import models


class AnswerStatus(models.TextChoices):
    ANSWERED = "answered", "Answered"
    # Two failed tries: recorded so staff see the gap instead of a silent hole.
    UNANSWERED = "unanswered", "Unanswered after two tries"


class Answer(models.Model):
    checkpoint = models.ForeignKey(
        "followup.Checkpoint", on_delete=models.CASCADE, related_name="answers"
    )
    question_code = models.CharField(max_length=40)
    instrument = models.CharField(
        max_length=20,
        help_text="The registry's instrument code (followup/instruments/registry.py): "
        "NRS_PAIN, ODI, NDI, PGIC7, RED_FLAGS...",
    )
    raw_text = models.TextField(blank=True)
    value = models.JSONField(null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=AnswerStatus.choices, default=AnswerStatus.ANSWERED
    )
    attempts = models.PositiveSmallIntegerField(default=1)
    answered_at = models.DateTimeField()
    inbound_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["answered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "question_code"], name="one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"Answer #{self.pk} {self.question_code}"


class Score(models.Model):
    class Kind(models.TextChoices):
        ODI = "ODI", "Oswestry Disability Index (%)"
        NDI = "NDI", "Neck Disability Index (%)"
        NRS_NOW = "NRS_NOW", "Pain now (NRS 0-10)"
        NRS_AVG = "NRS_AVG", "Average pain past week (NRS 0-10)"
        NRS_BACK = "NRS_BACK", "Back pain now (NRS 0-10)"
        NRS_LEG = "NRS_LEG", "Leg pain now (NRS 0-10)"
        VAS = "VAS", "Pain (VAS 0-100)"

    checkpoint = models.ForeignKey(
        "followup.Checkpoint", on_delete=models.CASCADE, related_name="scores"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.DecimalField(max_digits=5, decimal_places=1)
    details = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "kind"], name="one_score_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"
