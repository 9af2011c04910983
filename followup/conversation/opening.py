"""Opening a check: the first text (greeting and question 1) or the web-form email."""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string

from notifications.models import OutboundMessage, OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..messages import render
from ..models import Checkpoint
from .state import (
    WAITING_FOR_FORM,
    awaiting_answer,
    form_prompt,
    language_of,
    prepare_questions,
    question_text,
    skip_form_questions,
)


def conversation_open(*, checkpoint: Checkpoint, channel: str, now: dt.datetime) -> None:
    """Send a check's first message (row locked by the caller). SMS: greeting + question 1;
    email: one email with the web-form link covering every question of the check."""
    prepare_questions(checkpoint)
    checkpoint.current_index = 0
    checkpoint.attempts = 0
    if channel == "email":
        checkpoint.save(update_fields=["question_codes", "current_index", "attempts"])
        send_form_email(
            checkpoint=checkpoint,
            now=now,
            key=f"checkpoint:{checkpoint.pk}:open-email",
            purpose=OutboundPurpose.CHECK_OPEN,
            unsolicited=True,
        )
        return
    skip_form_questions(checkpoint)
    patient = checkpoint.enrollment.patient
    clinic = checkpoint.enrollment.clinic
    lang = language_of(patient)
    greeting = render(msg.GREETING_SMS, lang, clinic=clinic.name, label=checkpoint.label)
    if awaiting_answer(checkpoint):
        body = f"{greeting}\n{question_text(checkpoint, lang)}"
    else:  # a check made only of the web form
        from ..form_links import form_link_create

        link = form_link_create(checkpoint=checkpoint, now=now)
        body = f"{greeting}\n{form_prompt(checkpoint, lang, link=link)}"
        checkpoint.status_reason = WAITING_FOR_FORM
    checkpoint.save(update_fields=["question_codes", "current_index", "attempts", "status_reason"])
    outbox_enqueue(
        key=f"checkpoint:{checkpoint.pk}:open",
        channel="sms",
        to=patient.phone,
        sender=patient_sender(patient),
        body=body,
        purpose=OutboundPurpose.CHECK_OPEN,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=True,
        now=now,
    )


def send_form_email(
    *,
    checkpoint: Checkpoint,
    now: dt.datetime,
    key: str,
    purpose: str,
    unsolicited: bool,
    reminder: bool = False,
) -> OutboundMessage:
    """One email (plain text and HTML) with a fresh web-form link for the whole check."""
    from ..form_links import form_link_create

    patient = checkpoint.enrollment.patient
    clinic = checkpoint.enrollment.clinic
    lang = language_of(patient)
    link = form_link_create(checkpoint=checkpoint, now=now)
    context = {
        "lang": lang,
        "clinic": clinic.name,
        "clinic_phone": clinic.phone,
        "link": link,
        "reminder": reminder,
        "closes_on": checkpoint.window_closes,
    }
    subject_template = msg.EMAIL_REMINDER_SUBJECT if reminder else msg.EMAIL_SUBJECT
    return outbox_enqueue(
        key=key,
        channel="email",
        to=patient.email,
        subject=render(subject_template, lang, clinic=clinic.name),
        body=render_to_string("followup/email/check_open.txt", context).strip(),
        html_body=render_to_string("followup/email/check_open.html", context),
        purpose=purpose,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=unsolicited,
        now=now,
    )
