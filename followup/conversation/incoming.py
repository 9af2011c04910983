"""Which conversation a patient's text belongs to: an open check, a late reply, or none (a text outside a check)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Q

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..diaries.inbound import diary_reply
from ..messages import render
from ..models import Checkpoint, CheckpointStatus
from ..timeline import timeline_add
from .answering import conversation_answer
from .bare_answer import bare_answer_reply
from .form_fallback import form_fallback_answer, form_fallback_open
from .red_flags import screen_text
from .safety_screen import safety_screen_answer
from .screen_ask import safety_screen_open
from .state import LATE_REPLY_DAYS, Handled, awaiting_answer, language_of


def conversation_for(*, patient, now: dt.datetime) -> Checkpoint | None:
    """The patient's check waiting for a text answer, locked; the most recently active one if several."""
    candidates = list(
        Checkpoint.objects.select_for_update(of=("self",))
        .select_related("enrollment__clinic", "enrollment__protocol")
        .filter(
            enrollment__patient=patient,
            status=CheckpointStatus.OPEN,
            channel="sms",
            closes_at__gt=now,
        )
        .order_by("-last_activity_at", "-id")
    )
    for checkpoint in candidates:
        # The caller's patient: joining it again would compile and read its columns twice
        # (every text comes through here).
        checkpoint.enrollment.patient = patient
        if awaiting_answer(checkpoint):
            return checkpoint
    return None


def _recently_closed(*, patient, now: dt.datetime) -> Checkpoint | None:
    return (
        Checkpoint.objects.filter(
            enrollment__patient=patient,
            channel="sms",
            closed_at__gt=now - dt.timedelta(days=LATE_REPLY_DAYS),
        )
        .filter(Q(status=CheckpointStatus.MISSED) | Q(status=CheckpointStatus.CANCELLED))
        .order_by("-closed_at")
        .first()
    )


def conversation_inbound(*, patient, inbound, now: dt.datetime) -> Handled:
    """Route a (non-keyword) text from a known, texting patient: survey answer or unsolicited."""
    checkpoint = conversation_for(patient=patient, now=now)
    screen = safety_screen_open(patient=patient, now=now)
    if screen is not None:  # the text answers the safety screen sent just before (issue 21)
        return safety_screen_answer(
            row=screen, patient=patient, inbound=inbound, now=now, open_check=checkpoint
        )
    if checkpoint is not None:
        return conversation_answer(checkpoint=checkpoint, inbound=inbound, now=now)
    # The one form item asked by text when the web form was not opened (issue 23).
    fallback = form_fallback_open(patient=patient, now=now)
    if fallback is not None:
        fallback.enrollment.patient = patient
        return form_fallback_answer(checkpoint=fallback, inbound=inbound, now=now)
    # An answer to an open pain-diary prompt (followup/diaries/inbound.py), before free text.
    diary = diary_reply(patient=patient, inbound=inbound, now=now)
    if diary is not None:
        return Handled("diary_answer", None, "", diary.reply)
    late = _recently_closed(patient=patient, now=now)
    if late is not None:
        return patient_text_outside_check(
            patient=patient,
            inbound=inbound,
            now=now,
            kind="late_reply",
            checkpoint=late,
        )
    return patient_text_outside_check(patient=patient, inbound=inbound, now=now)


def patient_text_outside_check(
    *,
    patient,
    inbound,
    now: dt.datetime,
    kind: str = "unsolicited",
    checkpoint=None,
) -> Handled:
    """A text that answers no open question: kept on the timeline and screened for red flags.

    The patient gets one acknowledgement a day at most (so "thanks" does not start a ping-pong),
    and none when a safety instruction already answers them.
    """
    enrollment = checkpoint.enrollment if checkpoint is not None else _latest_enrollment(patient)
    label = "Late reply to a closed check" if kind == "late_reply" else "Text outside a check"
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="sms_in",
        at=now,
        summary=f"{label}: {(inbound.body or '').strip()}"[:300],
        data={"inbound": inbound.pk, "kind": kind, "checkpoint": getattr(checkpoint, "pk", None)},
    )
    screened = screen_text(
        patient=patient,
        text=inbound.body or "",
        checkpoint=checkpoint,
        inbound=inbound,
        now=now,
        enrollment=enrollment,
    )
    safety = screened.safety
    reply = ""
    # A patient told to get help now needs no "thank you" text beside it.
    if not screened.told_patient:
        reply = bare_answer_reply(patient=patient, inbound=inbound, now=now)
    if not screened.told_patient and not reply and (inbound.body or "").strip():
        clinic = patient.clinic
        tz = zoneinfo.ZoneInfo(patient.time_zone)
        reply = render(msg.ACK_TEXT, language_of(patient), clinic=clinic.name)
        outbox_enqueue(
            key=f"patient:{patient.pk}:ack:{now.astimezone(tz).date().isoformat()}",
            channel="sms",
            to=inbound.from_number,
            sender=patient_sender(patient),
            body=reply,
            purpose=OutboundPurpose.KEYWORD,
            patient=patient,
            unsolicited=False,
            now=now,
        )
    return Handled(kind, checkpoint, safety, reply)


def _latest_enrollment(patient):
    return patient.enrollments.order_by("-performed_on", "-id").first()
