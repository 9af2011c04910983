"""A short SMS fallback for a web form the patient does not open (issue 23 item 5).

Checks ask at most 6 questions by text and put the rest on the web form. When a check that went
by text waits for its form and, ``FORM_FALLBACK_AFTER_HOURS`` (default 24) after the patient's
last text, the form is neither started (no draft saved) nor sent, the sweep sends ONE text that
asks the form's most important item that fits a text (the checkpoint's ``form_fallback``, e.g.
average pain 0-10; never the ODI/NDI). The link stays valid and the reminders keep pointing to it.

- once: the check's status reason moves from "waiting for web form" to ``FALLBACK_ASKED`` in the
  same transaction as the outbox row, whose idempotency key is per check, so a re-run of the
  sweep neither finds the check again nor writes a second text;
- never after the form is sent or the check completes or closes;
- quiet hours (in the patient's zone) and the clinic's unsolicited-text caps are obeyed: the
  check is simply left for a later sweep;
- the reply is parsed as that question (one re-prompt, then recorded as unanswered); a text that
  is not a number and reads like a symptom is screened as any unclear reply is.

Versions published before issue 23 have no ``form_fallback``: their checks get none.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..frequency_cap import frequency_cap_until
from ..messages import render
from ..models import Answer, AnswerStatus, Checkpoint, CheckpointStatus
from ..questions import render_question
from ..scheduling import next_allowed_time
from .answer_steps import (
    answer_parse,
    answer_store,
    reply_send,
    reprompt_send,
    unanswered_store,
    worth_screening,
)
from .state import MAX_TRIES, WAITING_FOR_FORM, Handled, checkpoint_spec, language_of

logger = logging.getLogger(__name__)

FALLBACK_ASKED = "waiting for web form; one item asked by text"
FALLBACK_DONE = "waiting for web form; text fallback answered"


def fallback_key(checkpoint: Checkpoint) -> str:
    return f"checkpoint:{checkpoint.pk}:form-fallback"


def _fallback_code(checkpoint: Checkpoint) -> str | None:
    """The checkpoint's fallback item, when the form still needs it."""
    code = checkpoint_spec(checkpoint).get("form_fallback")
    if not code or code not in checkpoint.question_codes:
        return None
    if Answer.objects.filter(checkpoint=checkpoint, question_code=code).exists():
        return None
    return code


def _form_untouched(checkpoint: Checkpoint) -> bool:
    draft = getattr(checkpoint, "form_draft", None)
    return draft is None or (draft.submitted_at is None and not draft.data)


def form_fallback_send(*, checkpoint: Checkpoint, now: dt.datetime) -> str:
    """Send the fallback of one locked check if it is due: "sent", "deferred" or "none"."""
    code = _fallback_code(checkpoint)
    if code is None or not _form_untouched(checkpoint):
        return "none"
    enrollment = checkpoint.enrollment
    patient, clinic = enrollment.patient, enrollment.clinic
    if not patient.can_text or now >= checkpoint.closes_at:
        return "none"
    allowed = next_allowed_time(
        now, tz_name=patient.time_zone, start=clinic.quiet_hours_start, end=clinic.quiet_hours_end
    )
    if allowed > now or frequency_cap_until(patient=patient, clinic=clinic, now=now) is not None:
        return "deferred"  # a later sweep finds it again
    lang = language_of(patient)
    outbox_enqueue(
        key=fallback_key(checkpoint),
        channel="sms",
        to=patient.phone,
        sender=patient_sender(patient),
        body=render(
            msg.FORM_FALLBACK_SMS,
            lang,
            clinic=clinic.name,
            question=render_question(code, lang),
        ),
        purpose=OutboundPurpose.REMINDER,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=True,
        now=now,
    )
    checkpoint.status_reason = FALLBACK_ASKED
    checkpoint.attempts = 0
    # The patient's reply is routed here for as long as the check is the one they answer.
    checkpoint.last_activity_at = now
    checkpoint.save(update_fields=["status_reason", "attempts", "last_activity_at"])
    return "sent"


def form_fallbacks_send_due(*, now: dt.datetime) -> dict:
    """The sweep step: fallbacks for checks waiting for an untouched form past the delay."""
    cutoff = now - dt.timedelta(hours=settings.FORM_FALLBACK_AFTER_HOURS)
    counts = {"sent": 0, "deferred": 0, "none": 0}
    with transaction.atomic():
        rows = list(
            Checkpoint.objects.filter(
                status=CheckpointStatus.OPEN,
                channel="sms",
                status_reason=WAITING_FOR_FORM,
                last_activity_at__lte=cutoff,
                closes_at__gt=now,
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related(
                "enrollment__patient__clinic",
                "enrollment__clinic",
                "enrollment__protocol",
                "form_draft",
            )
            .order_by("last_activity_at", "id")[: settings.SWEEP_BATCH_SIZE]
        )
        for checkpoint in rows:
            counts[form_fallback_send(checkpoint=checkpoint, now=now)] += 1
    return {f"form_fallback_{k}": v for k, v in counts.items() if v}


def form_fallback_open(*, patient, now: dt.datetime) -> Checkpoint | None:
    """The patient's check whose fallback question waits for a reply, locked."""
    return (
        Checkpoint.objects.select_for_update(of=("self",))
        .select_related("enrollment__clinic", "enrollment__protocol")
        .filter(
            enrollment__patient=patient,
            status=CheckpointStatus.OPEN,
            channel="sms",
            status_reason=FALLBACK_ASKED,
            closes_at__gt=now,
        )
        .order_by("-last_activity_at", "-id")
        .first()
    )


def form_fallback_answer(*, checkpoint: Checkpoint, inbound, now: dt.datetime) -> Handled:
    """Take the reply to the fallback question: the same parser, writer and screening as a
    text question of the survey."""
    from .finishing import scores_record
    from .red_flags import screen_text

    patient = checkpoint.enrollment.patient
    lang = language_of(patient)
    code = checkpoint_spec(checkpoint)["form_fallback"]
    text = inbound.body or ""
    parsed, hint = answer_parse(code, text, lang)
    checkpoint.last_activity_at = now
    safety = ""
    if not parsed.ok:
        checkpoint.attempts += 1
        if worth_screening(text):
            safety = screen_text(
                patient=patient, text=text, checkpoint=checkpoint, inbound=inbound, now=now
            ).safety
        if checkpoint.attempts < MAX_TRIES:
            checkpoint.save(update_fields=["attempts", "last_activity_at"])
            reply = reprompt_send(
                inbound=inbound,
                patient=patient,
                checkpoint=checkpoint,
                lang=lang,
                hint=hint,
                question=render_question(code, lang),
                now=now,
            )
            return Handled("form_fallback_reprompt", checkpoint, safety, reply)
        unanswered_store(checkpoint, [code], raw=text, inbound=inbound, now=now)
        reply = f"{render(msg.SKIPPED, lang)} {render(msg.FORM_FALLBACK_THANKS, lang)}"
        kind = "form_fallback_unanswered"
    else:
        answer_store(
            checkpoint,
            code,
            raw=text,
            value=parsed.value,
            status=AnswerStatus.ANSWERED,
            inbound=inbound,
            now=now,
        )
        scores_record(checkpoint=checkpoint, now=now)
        reply = render(msg.FORM_FALLBACK_THANKS, lang)
        kind = "form_fallback_answer"
    checkpoint.status_reason = FALLBACK_DONE
    checkpoint.attempts = 0
    checkpoint.save(update_fields=["status_reason", "attempts", "last_activity_at"])
    reply_send(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
    return Handled(kind, checkpoint, safety, reply)
