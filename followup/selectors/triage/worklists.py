"""The follow-up worklists (missed checks, unreachable, opted out, unanswered) and their calls."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from patients.models import Patient

from ...answer_labels import question_label
from ...models import (
    Answer,
    AnswerStatus,
    Checkpoint,
    CheckpointStatus,
    Enrollment,
    EnrollmentStatus,
)
from ...models.worklists import CallOutcome, Worklist, WorklistCall
from .access import (
    visible_clinics,
)


@dataclass
class WorklistItem:
    worklist: str
    key: str
    patient: Patient
    enrollment: Enrollment | None
    since: dt.datetime | None
    what: str
    detail: str = ""
    calls: list[WorklistCall] = field(default_factory=list)
    can_call: bool = False  # set by the view: may this user record a call for this item?

    @property
    def last_call(self) -> WorklistCall | None:
        return self.calls[0] if self.calls else None

    @property
    def done(self) -> bool:
        return any(c.outcome == CallOutcome.REACHED for c in self.calls)


def _active_enrollments(clinics) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(clinic__in=clinics, status=EnrollmentStatus.ACTIVE)


# The tab titles staff read. "missed" also lists skipped checks (a window that closed before the
# check could go out, or enrollment after it closed): a check nobody answered is work either way.
WORKLIST_TITLES = {
    Worklist.MISSED: "Missed and skipped checks",
    Worklist.UNREACHABLE: Worklist.UNREACHABLE.label,
    Worklist.OPTED_OUT: Worklist.OPTED_OUT.label,
    Worklist.UNANSWERED: Worklist.UNANSWERED.label,
}
_NOT_DONE_DEFAULT = {
    CheckpointStatus.MISSED: "window closed unanswered",
    CheckpointStatus.SKIPPED: "window closed before it could go out",
}


def _missed(clinics) -> list[WorklistItem]:
    checkpoints = (
        Checkpoint.objects.filter(
            enrollment__clinic__in=clinics,
            status__in=(CheckpointStatus.MISSED, CheckpointStatus.SKIPPED),
            enrollment__status=EnrollmentStatus.ACTIVE,
        )
        .select_related("enrollment", "enrollment__patient")
        .order_by("-closed_at", "-id")
    )
    return [
        WorklistItem(
            worklist=Worklist.MISSED,
            key=f"checkpoint:{c.pk}",
            patient=c.enrollment.patient,
            enrollment=c.enrollment,
            since=c.closed_at,
            what=f"{c.enrollment.procedure} · {c.label} · {c.get_status_display().lower()}",
            detail=c.status_reason or _NOT_DONE_DEFAULT[c.status],
        )
        for c in checkpoints
    ]


def _unreachable(clinics) -> list[WorklistItem]:
    open_unreachable = Checkpoint.objects.filter(
        status=CheckpointStatus.OPEN, status_reason__startswith="unreachable"
    )
    enrollments = (
        _active_enrollments(clinics)
        .filter(Q(patient__phone_invalid_at__isnull=False) | Q(checkpoints__in=open_unreachable))
        .select_related("patient")
        .distinct()
        .order_by("patient_id", "-performed_on")
    )
    items: dict[int, WorklistItem] = {}
    for enrollment in enrollments:
        patient = enrollment.patient
        if patient.pk in items:
            continue
        first = open_unreachable.filter(enrollment__patient=patient).order_by("opened_at").first()
        since = patient.phone_invalid_at or (first.opened_at if first else None)
        reasons = []
        if patient.phone_invalid_at:
            reasons.append(f"phone not usable ({patient.phone_invalid_reason or 'carrier error'})")
        if first is not None:
            reasons.append(first.status_reason)
        stamp = int(since.timestamp()) if since else 0
        items[patient.pk] = WorklistItem(
            worklist=Worklist.UNREACHABLE,
            key=f"patient:{patient.pk}:{stamp}",
            patient=patient,
            enrollment=enrollment,
            since=since,
            what=f"{enrollment.procedure} follow-up",
            detail="; ".join(reasons),
        )
    return sorted(items.values(), key=lambda i: i.since or timezone.now(), reverse=True)


def _opted_out(clinics) -> list[WorklistItem]:
    enrollments = (
        _active_enrollments(clinics)
        .filter(patient__opted_out_at__isnull=False)
        .select_related("patient")
        .order_by("patient_id", "-performed_on")
    )
    items: dict[int, WorklistItem] = {}
    for enrollment in enrollments:
        patient = enrollment.patient
        if patient.pk in items:
            continue
        items[patient.pk] = WorklistItem(
            worklist=Worklist.OPTED_OUT,
            key=f"patient:{patient.pk}:{int(patient.opted_out_at.timestamp())}",
            patient=patient,
            enrollment=enrollment,
            since=patient.opted_out_at,
            what=f"{enrollment.procedure} follow-up",
            detail=f"opted out of texts ({patient.opt_out_source or 'keyword'})"
            + ("; email still possible" if patient.can_email else ""),
        )
    return sorted(items.values(), key=lambda i: i.since, reverse=True)


def _unanswered(clinics) -> list[WorklistItem]:
    answers = (
        Answer.objects.filter(
            checkpoint__enrollment__clinic__in=clinics,
            checkpoint__enrollment__status=EnrollmentStatus.ACTIVE,
            status=AnswerStatus.UNANSWERED,
        )
        .select_related("checkpoint", "checkpoint__enrollment", "checkpoint__enrollment__patient")
        .order_by("-answered_at", "-id")
    )
    items = []
    for answer in answers:
        text = question_label(answer.question_code)
        checkpoint = answer.checkpoint
        items.append(
            WorklistItem(
                worklist=Worklist.UNANSWERED,
                key=f"answer:{answer.pk}",
                patient=checkpoint.enrollment.patient,
                enrollment=checkpoint.enrollment,
                since=answer.answered_at,
                what=f"{checkpoint.enrollment.procedure} · {checkpoint.label}",
                detail=f"{text}: last reply {answer.raw_text!r}" if answer.raw_text else str(text),
            )
        )
    return items


_BUILDERS = {
    Worklist.MISSED: _missed,
    Worklist.UNREACHABLE: _unreachable,
    Worklist.OPTED_OUT: _opted_out,
    Worklist.UNANSWERED: _unanswered,
}


def worklist_items(*, user, worklist: str, include_done: bool = False) -> list[WorklistItem]:
    """The items of one worklist in the user's clinics, with their calls, newest first.

    An item leaves the list once someone has reached the patient about it.
    """
    if worklist not in _BUILDERS:
        raise Http404("No such worklist.")
    clinics = visible_clinics(user=user)
    items = _BUILDERS[worklist](clinics)
    calls: dict[str, list[WorklistCall]] = defaultdict(list)
    for call in (
        WorklistCall.objects.filter(worklist=worklist, item_key__in=[i.key for i in items])
        .select_related("called_by")
        .order_by("-called_at", "-id")
    ):
        calls[call.item_key].append(call)
    for item in items:
        item.calls = calls.get(item.key, [])
    return [i for i in items if include_done or not i.done]


def worklist_item_get(*, user, worklist: str, key: str) -> WorklistItem:
    for item in worklist_items(user=user, worklist=worklist, include_done=True):
        if item.key == key:
            return item
    raise Http404("No such worklist item.")
