from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Protocol(models.Model):
    """One version of a procedure's follow-up protocol.

    Versions are immutable once enrollments use them: editing creates a new version (see
    ``followup.protocols.protocol_publish``) so a patient's schedule never changes under them.
    """

    code = models.CharField(max_length=20)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    definition = models.JSONField()
    is_current = models.BooleanField(default=True)
    change_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code", "-version"]
        # Protocols are shared by every clinic: no clinic role holds this by default.
        permissions = [("publish_protocol", "Can publish a new version of a shared protocol")]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"], name="protocol_code_version_unique"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=Q(is_current=True), name="one_current_protocol_per_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def checkpoints(self) -> list[dict]:
        return self.definition.get("checkpoints", [])

    @property
    def red_flag_rules(self) -> list[dict]:
        return self.definition.get("red_flag_rules", [])
