"""Finishing a check: web-form link after the text questions, completion, scores, stopping."""

from __future__ import annotations

import datetime as dt

from notifications.models import OutboundMessage, OutboundPurpose
from notifications.outbox import outbox_cancel

from .. import messages as msg
from ..instruments.ndi import ndi_score
from ..messages import render
from ..models import Answer, AnswerStatus, Checkpoint, CheckpointStatus, Score
from ..odi import odi_score
from ..questions import QUESTIONS
from ..signals import check_completed
from ..timeline import timeline_add
from .state import STOPPED_REASON, WAITING_FOR_FORM, form_pending, form_prompt, language_of


def finish_text_questions(*, checkpoint: Checkpoint, now: dt.datetime) -> str:
    """After the last text question: score, then either send the form link or complete the check."""
    scores_record(checkpoint=checkpoint, now=now)
    lang = language_of(checkpoint.enrollment.patient)
    if form_pending(checkpoint):
        from ..form_links import form_link_create

        link = form_link_create(checkpoint=checkpoint, now=now)
        checkpoint.status_reason = WAITING_FOR_FORM
        return render(msg.THANKS_FORM, lang, form=form_prompt(checkpoint, lang, link=link))
    checkpoint_complete(checkpoint=checkpoint, now=now, save=False)
    return render(msg.THANKS_DONE, lang)


def checkpoint_complete(
    *, checkpoint: Checkpoint, now: dt.datetime, reason: str = "", save: bool = True
) -> None:
    """Mark a check completed; no reminder ever follows a completed check."""
    checkpoint.status = CheckpointStatus.COMPLETED
    checkpoint.completed_at = now
    checkpoint.next_reminder_at = None
    checkpoint.status_reason = reason
    if save:
        checkpoint.save(
            update_fields=["status", "completed_at", "next_reminder_at", "status_reason"]
        )
    outbox_cancel(
        queryset=OutboundMessage.objects.filter(
            checkpoint=checkpoint, purpose=OutboundPurpose.REMINDER
        )
    )
    timeline_add(
        patient=checkpoint.enrollment.patient,
        enrollment=checkpoint.enrollment,
        kind="check_completed",
        at=now,
        summary=f"{checkpoint.label} completed" + (f" ({reason})" if reason else ""),
        data={"checkpoint": checkpoint.pk},
    )
    check_completed.send(sender=Checkpoint, checkpoint=checkpoint)


def conversation_stop(*, checkpoint: Checkpoint, now: dt.datetime) -> None:
    """An EMERGENCY answer: ask nothing more. Answers so far are kept and scored."""
    scores_record(checkpoint=checkpoint, now=now)
    checkpoint_complete(checkpoint=checkpoint, now=now, reason=STOPPED_REASON)


def scores_record(*, checkpoint: Checkpoint, now: dt.datetime) -> list[Score]:
    """(Re)compute the check's scores from its answers: NRS now/average, ODI %, VAS."""
    answers = {
        a.question_code: a
        for a in Answer.objects.filter(checkpoint=checkpoint, status=AnswerStatus.ANSWERED)
    }
    saved = []

    def put(kind: str, value, details: dict | None = None) -> None:
        score, _ = Score.objects.update_or_create(
            checkpoint=checkpoint,
            kind=kind,
            defaults={"value": value, "details": details or {}, "computed_at": now},
        )
        saved.append(score)

    for code, kind in (
        ("PAIN_NOW", Score.Kind.NRS_NOW),
        ("PAIN_AVG", Score.Kind.NRS_AVG),
        ("PAIN_BACK", Score.Kind.NRS_BACK),
        ("PAIN_LEG", Score.Kind.NRS_LEG),
    ):
        if code in answers and isinstance(answers[code].value, int):
            put(
                kind,
                answers[code].value,
                {"instrument": "nrs", "loinc": QUESTIONS[code].get("loinc", "")},
            )
    if "ODI" in answers and isinstance(answers["ODI"].value, dict):
        result = odi_score(answers["ODI"].value)
        if result is not None:
            put(
                Score.Kind.ODI,
                result["percent"],
                {
                    "sum": result["sum"],
                    "answered": result["answered"],
                    "band": result["band"],
                    "loinc": "97909-6",
                },
            )
    if "NDI" in answers and isinstance(answers["NDI"].value, dict):
        # Scored like the ODI, with the same missing-sections rule (followup/instruments/ndi.py).
        result = ndi_score(answers["NDI"].value)
        if result is not None:
            put(
                Score.Kind.NDI,
                result["percent"],
                {"sum": result["sum"], "answered": result["answered"], "band": result["band"]},
            )
    if "VAS" in answers and isinstance(answers["VAS"].value, int):
        put(Score.Kind.VAS, answers["VAS"].value, {"instrument": "vas"})
    return saved
