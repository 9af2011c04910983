"""Reminders for unstarted or stalled checks, and the survey engine's other periodic chores.

A reminder is an unsolicited message, so it obeys every limit a check opening does: quiet hours in
the patient's zone, the clinic's daily and weekly cap, and the check's window. At most
``MAX_REMINDERS`` per check (the protocol may ask for fewer), spaced by the protocol's
``spacing_hours`` counted from the patient's last activity, so a patient who is answering is never
reminded. A completed check never gets one: completion clears ``next_reminder_at`` and cancels
any reminder still in the outbox, and the sweep only looks at open checks.

``survey_sweep`` is the one step the dispatch sweep runs for this feature: reminders, the text
fallback of unopened web forms (``conversation.form_fallback``), then
re-processing inbound texts whose processing crashed, then closing expired "who is writing?"
questions on shared phone numbers.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from . import messages as msg
from .conversation import (
    awaiting_answer,
    form_pending,
    form_prompt,
    language_of,
    question_text,
    send_form_email,
    survey_delivery_failed,
)
from .frequency_cap import frequency_cap_until
from .messages import render
from .models import Checkpoint, CheckpointStatus
from .reminder_policy import reminder_policy
from .scheduling import next_allowed_time
from .timeline import timeline_add

logger = logging.getLogger(__name__)


def survey_sweep(*, now: dt.datetime) -> dict:
    """The survey engine's sweep step (see module docstring)."""
    from notifications.inbound import inbound_retry_stale

    from .conversation.form_fallback import form_fallbacks_send_due
    from .conversation.shared_phone import sender_prompts_expire

    summary = reminders_send_due(now=now)
    summary.update(form_fallbacks_send_due(now=now))
    summary.update(inbound_retry_stale(now=now))
    summary.update(sender_prompts_expire(now=now))
    return summary


def reminders_send_due(*, now: dt.datetime) -> dict:
    counts = {"sent": 0, "deferred": 0, "done": 0, "fallback": 0}
    batch = settings.SWEEP_BATCH_SIZE
    while True:
        with transaction.atomic():
            rows = list(
                Checkpoint.objects.filter(status=CheckpointStatus.OPEN, next_reminder_at__lte=now)
                .order_by("next_reminder_at")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related(
                    "enrollment__patient", "enrollment__clinic", "enrollment__protocol"
                )[:batch]
            )
            for checkpoint in rows:
                counts[reminder_send(checkpoint=checkpoint, now=now)] += 1
        if len(rows) < batch:
            break
    return {f"reminders_{k}": v for k, v in counts.items()}


def _stop_reminding(checkpoint: Checkpoint) -> str:
    checkpoint.next_reminder_at = None
    checkpoint.save(update_fields=["next_reminder_at"])
    return "done"


def _defer(checkpoint: Checkpoint, until: dt.datetime) -> str:
    if until >= checkpoint.closes_at:
        return _stop_reminding(checkpoint)  # a reminder after the window would ask for nothing
    checkpoint.next_reminder_at = until
    checkpoint.save(update_fields=["next_reminder_at"])
    return "deferred"


def reminder_send(*, checkpoint: Checkpoint, now: dt.datetime) -> str:
    """Send, defer or retire the due reminder of one open check (row locked by the caller)."""

    count, spacing = reminder_policy(checkpoint)
    if checkpoint.reminders_sent >= count or now >= checkpoint.closes_at:
        return _stop_reminding(checkpoint)
    has_question = checkpoint.channel == "sms" and awaiting_answer(checkpoint)
    if checkpoint.channel == "sms" and not has_question and not form_pending(checkpoint):
        return _stop_reminding(checkpoint)
    if checkpoint.last_activity_at and checkpoint.last_activity_at + spacing > now:
        return _defer(checkpoint, checkpoint.last_activity_at + spacing)  # answering, not stalled
    patient = checkpoint.enrollment.patient
    clinic = checkpoint.enrollment.clinic
    if checkpoint.channel == "sms" and not patient.can_text:
        return _switch_to_email(checkpoint, now)
    if checkpoint.channel == "email" and not patient.can_email:
        return _stop_reminding(checkpoint)
    allowed = next_allowed_time(
        now, tz_name=patient.time_zone, start=clinic.quiet_hours_start, end=clinic.quiet_hours_end
    )
    if allowed > now:
        return _defer(checkpoint, allowed)
    capped_until = frequency_cap_until(patient=patient, clinic=clinic, now=now)
    if capped_until is not None:
        return _defer(checkpoint, capped_until)
    number = checkpoint.reminders_sent + 1
    key = f"checkpoint:{checkpoint.pk}:reminder:{number}"
    if checkpoint.channel == "email":
        send_form_email(
            checkpoint=checkpoint,
            now=now,
            key=key,
            purpose=OutboundPurpose.REMINDER,
            unsolicited=True,
            reminder=True,
        )
    else:
        lang = language_of(patient)
        if has_question:
            question = question_text(checkpoint, lang)
        else:
            from .form_links import form_link_create

            link = form_link_create(checkpoint=checkpoint, now=now)
            question = form_prompt(checkpoint, lang, link=link)
        outbox_enqueue(
            key=key,
            channel="sms",
            to=patient.phone,
            sender=patient_sender(patient),
            body=render(msg.REMINDER_SMS, lang, clinic=clinic.name, question=question),
            purpose=OutboundPurpose.REMINDER,
            patient=patient,
            checkpoint=checkpoint,
            unsolicited=True,
            now=now,
        )
    checkpoint.reminders_sent = number
    # The reminded check is the one the patient will answer: route their next text to it.
    checkpoint.last_activity_at = now
    following = now + spacing
    checkpoint.next_reminder_at = (
        following if number < count and following < checkpoint.closes_at else None
    )
    checkpoint.save(update_fields=["reminders_sent", "last_activity_at", "next_reminder_at"])
    return "sent"


def _switch_to_email(checkpoint: Checkpoint, now: dt.datetime) -> str:
    """The number stopped working (or the patient opted out of texts): email if we can."""
    patient = checkpoint.enrollment.patient
    if not patient.can_email:
        checkpoint.status_reason = "unreachable: cannot text, no email"
        checkpoint.next_reminder_at = None
        checkpoint.save(update_fields=["status_reason", "next_reminder_at"])
        timeline_add(
            patient=patient,
            enrollment=checkpoint.enrollment,
            kind="unreachable",
            at=now,
            summary=f"{checkpoint.label}: unreachable, cannot text and no email",
            data={"checkpoint": checkpoint.pk},
        )
        return "done"
    checkpoint.channel = "email"
    checkpoint.status_reason = "cannot text; sent by email"
    checkpoint.save(update_fields=["channel", "status_reason"])
    send_form_email(
        checkpoint=checkpoint,
        now=now,
        key=f"checkpoint:{checkpoint.pk}:fallback-email",
        purpose=OutboundPurpose.CHECK_OPEN,
        unsolicited=True,
    )
    return "fallback"


def on_outbound_failed(sender, message, permanent: bool, **kwargs) -> None:
    """A survey text that will not be delivered: email fallback or "unreachable" (issue item 2)."""
    survey_delivery_failed(message=message)
