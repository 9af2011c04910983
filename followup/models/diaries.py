"""Relief diary prompts: one row per timed prompt, written when the diary is scheduled.

Rows with a due time, like checkpoints (DESIGN.md rule 1): a sweep can send what is due and an
answer is attached to its prompt. The times come from the pure functions of
``followup/diaries/schedule.py``; the relief figures from ``followup/relief``.
"""

from __future__ import annotations

from django.db import models


class DiaryKind(models.TextChoices):
    BLOCK = "block", "Diagnostic block pain diary"
    SCS_TRIAL = "scs_trial", "SCS trial daily diary"


class DiaryEntry(models.Model):
    enrollment = models.ForeignKey(
        "followup.Enrollment", on_delete=models.CASCADE, related_name="diary_entries"
    )
    kind = models.CharField(max_length=12, choices=DiaryKind.choices)
    # Which block (1st, 2nd: Medicare wants two) or trial this prompt belongs to.
    series = models.PositiveSmallIntegerField(default=1)
    key = models.CharField(max_length=12, help_text="h0.5, h1 ... recall; day1 ...")
    anaesthetic = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(help_text="when the block was done / the trial began")
    due_at = models.DateTimeField()
    send_at = models.DateTimeField()
    covers = models.JSONField(default=list, blank=True)
    recall = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    pain = models.PositiveSmallIntegerField(null=True, blank=True)
    # SCS trial diary only: the patient's own 0-100 % relief, function and medication change.
    reported_relief = models.PositiveSmallIntegerField(null=True, blank=True)
    function = models.CharField(max_length=8, blank=True, help_text="better, same, worse")
    meds = models.CharField(max_length=8, blank=True, help_text="less, same, more")
    raw_text = models.TextField(blank=True)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "kind", "series", "key"], name="one_diary_prompt_per_key"
            )
        ]
        indexes = [
            models.Index(
                fields=["send_at"],
                name="diary_unsent_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"Diary {self.kind} #{self.series} {self.key}"
