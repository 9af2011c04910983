"""Permissions of the physician outcome pages (``followup.selectors.outcomes``).

Django permissions hang off a model, and no existing model is "the outcomes of a clinic", so this
one has no table (``managed = False``) and no default add/change/delete/view permissions.
"""

from __future__ import annotations

from django.db import models


class OutcomeReport(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            (
                "view_clinic_outcomes",
                "Can view outcomes of every patient of their clinics, not only their own",
            )
        ]

    def __str__(self) -> str:
        return "Outcome report permissions"
