"""Saving and submitting the web form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..answers import answer_write
from ..conversation import awaiting_answer, checkpoint_complete, redflags_service, scores_record
from ..instruments.indexes import INDEXES
from ..models import AnswerStatus, Checkpoint, FormDraft, FormLink
from ..questions import QUESTIONS
from .forms import WEB_FORM, SurveyForm


@dataclass
class Submitted:
    ok: bool
    safety: str = ""  # the safety instruction to show on the page (also sent by SMS/email)
    already: bool = False


def draft_save(*, checkpoint: Checkpoint, values: dict) -> FormDraft:
    """Merge the valid values entered so far into the check's draft."""
    draft, _ = FormDraft.objects.get_or_create(checkpoint=checkpoint)
    if draft.submitted_at is None:
        draft.data = {**draft.data, **values}
        draft.save(update_fields=["data", "updated_at"])
    return draft


def _answer(checkpoint: Checkpoint, code: str, *, raw: str, value, now: dt.datetime) -> None:
    answer_write(
        checkpoint=checkpoint,
        code=code,
        raw=raw,
        value=value,
        status=AnswerStatus.ANSWERED if value is not None else AnswerStatus.UNANSWERED,
        attempts=1,
        now=now,
    )


def form_submit(*, link: FormLink, form: SurveyForm, now: dt.datetime | None = None) -> Submitted:
    """Record a validated final submission once: answers, scores, red flags, completion."""
    now = now or timezone.now()
    with transaction.atomic():
        checkpoint = (
            Checkpoint.objects.select_for_update(of=("self",))
            .select_related("enrollment__patient", "enrollment__clinic", "enrollment__protocol")
            .get(pk=link.checkpoint_id)
        )
        draft, _ = FormDraft.objects.select_for_update().get_or_create(checkpoint=checkpoint)
        if draft.submitted_at is not None:
            return Submitted(ok=False, already=True)  # a double tap, or two tabs
        data = form.cleaned_data
        free_texts = []
        rf_yes = care_gap_answered = False
        care_gap_codes = {
            gap.get("question")
            for gap in checkpoint.enrollment.protocol.definition.get("care_gaps", [])
        }
        for code in form.codes:
            kind = QUESTIONS[code]["type"]
            if kind == WEB_FORM:
                _record_odi_and_vas(checkpoint, form, now)
                continue
            value = data.get(f"q_{code}")
            if value in ("", None):
                _answer(checkpoint, code, raw="", value=None, now=now)
                continue
            if kind == "yes_no":
                value = value == "yes"
                rf_yes = rf_yes or (code.startswith("RF_") and value)
                # Bone-health and imaging items now come by the form (issue 23): their care gaps
                # (a ROUTINE flag, nothing said to the patient) are evaluated with the rules.
                care_gap_answered = care_gap_answered or code in care_gap_codes
            if kind == "free_text":
                free_texts.append(value)
            _answer(
                checkpoint,
                code,
                raw=str(data.get(f"q_{code}")),
                value=value,
                now=now,
            )
        draft.data = {**draft.data, **form.draft_values()}
        draft.submitted_at = now
        draft.save(update_fields=["data", "submitted_at", "updated_at"])
        FormLink.objects.filter(pk=link.pk).update(used_at=now)
        scores_record(checkpoint=checkpoint, now=now)
        safety = []
        if rf_yes or care_gap_answered:
            result = redflags_service().redflags_from_answers(
                checkpoint=checkpoint, now=now, reply_via_outbox=True
            )
            safety.append(result.patient_reply or "")
        patient = checkpoint.enrollment.patient
        for text in free_texts:
            result = redflags_service().redflags_from_text(
                patient=patient,
                text=text,
                enrollment=checkpoint.enrollment,
                checkpoint=checkpoint,
                now=now,
                reply_via_outbox=True,
            )
            safety.append(result.patient_reply or "")
        if checkpoint.channel == "email":
            checkpoint.current_index = len(checkpoint.question_codes)
            checkpoint.save(update_fields=["current_index"])
        if not awaiting_answer(checkpoint):
            checkpoint_complete(checkpoint=checkpoint, now=now)
        else:
            checkpoint.status_reason = ""
            checkpoint.save(update_fields=["status_reason"])
    return Submitted(ok=True, safety=" ".join(s for s in safety if s))


def _record_odi_and_vas(checkpoint: Checkpoint, form: SurveyForm, now: dt.datetime) -> None:
    data = form.cleaned_data
    index = form.index or INDEXES["ODI"]
    sections = {key: data.get(index.field(key)) for key in index.keys}
    answered = {k: v for k, v in sections.items() if v is not None}
    raw = "; ".join(f"{k}={v}" for k, v in answered.items())
    _answer(
        checkpoint,
        index.code,
        raw=raw,
        value=sections if answered else None,
        now=now,
    )
    vas = data.get("vas") if form.vas_set() else None
    _answer(checkpoint, "VAS", raw="" if vas is None else str(vas), value=vas, now=now)
