"""A survey text that will not arrive: email fallback or "unreachable" for staff."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from notifications.models import OutboundMessage, OutboundPurpose

from ..models import Checkpoint, CheckpointStatus
from ..timeline import timeline_add
from .opening import send_form_email

SURVEY_PURPOSES = (OutboundPurpose.CHECK_OPEN, OutboundPurpose.QUESTION, OutboundPurpose.REMINDER)


def survey_delivery_failed(*, message: OutboundMessage, now: dt.datetime | None = None) -> str:
    """A survey text will not arrive: fall back to email when the patient has one, otherwise show
    the check as unreachable to staff. Idempotent; returns what was done."""
    now = now or timezone.now()
    if (
        message.channel != "sms"
        or message.purpose not in SURVEY_PURPOSES
        or message.checkpoint_id is None
    ):
        return "ignored"
    with transaction.atomic():
        return _survey_delivery_failed(message, now)


def _survey_delivery_failed(message: OutboundMessage, now: dt.datetime) -> str:
    checkpoint = (
        Checkpoint.objects.select_for_update(of=("self",))
        .select_related("enrollment__patient", "enrollment__clinic")
        .filter(pk=message.checkpoint_id)
        .first()
    )
    if (
        checkpoint is None
        or checkpoint.status != CheckpointStatus.OPEN
        or checkpoint.channel != "sms"
    ):
        return "ignored"
    patient = checkpoint.enrollment.patient
    patient.refresh_from_db()
    code = message.error_code or message.provider_status or "failed"
    if patient.can_email:
        checkpoint.channel = "email"
        checkpoint.status_reason = f"SMS not delivered ({code}); sent by email"
        checkpoint.save(update_fields=["channel", "status_reason"])
        send_form_email(
            checkpoint=checkpoint,
            now=now,
            key=f"checkpoint:{checkpoint.pk}:fallback-email",
            purpose=OutboundPurpose.CHECK_OPEN,
            unsolicited=False,
        )
        timeline_add(
            patient=patient,
            enrollment=checkpoint.enrollment,
            kind="delivery_fallback",
            at=now,
            summary=f"{checkpoint.label}: text not delivered ({code}), sent by email instead",
            data={"checkpoint": checkpoint.pk, "outbound": message.pk},
        )
        return "email"
    checkpoint.status_reason = f"unreachable: SMS not delivered ({code}), no email"
    checkpoint.next_reminder_at = None
    checkpoint.save(update_fields=["status_reason", "next_reminder_at"])
    timeline_add(
        patient=patient,
        enrollment=checkpoint.enrollment,
        kind="unreachable",
        at=now,
        summary=f"{checkpoint.label}: unreachable, text not delivered ({code}) and no email",
        data={"checkpoint": checkpoint.pk, "outbound": message.pk},
    )
    return "unreachable"
