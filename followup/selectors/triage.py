"""Reads for the staff triage workspace: the queue, a patient's whole story, the worklists.

Every function takes the user and only ever returns rows of the clinics where their role lets
them see patients (:data:`patients.permissions.VIEW_PATIENT`); a lookup by id outside them is a
404, the same answer as for an id that does not exist.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, Max, Prefetch, Q, QuerySet, Value, When
from django.http import Http404, QueryDict
from django.utils import timezone

from notifications.models import InboundMessage, OutboundMessage
from patients.models import Clinic, ClinicMembership, Patient, Role
from patients.permissions import VIEW_PATIENT, clinics_with_perm

from ..answer_labels import answer_label, question_label, summary_in_words
from ..models import (
    Answer,
    AnswerStatus,
    Checkpoint,
    CheckpointStatus,
    Enrollment,
    EnrollmentStatus,
    Escalation,
    EscalationStatus,
    Flag,
    Page,
    Score,
    Tier,
    TimelineEvent,
)
from ..models.worklists import CallOutcome, Worklist, WorklistCall
from ..outcomes.format import number

QUEUE_LIMIT = 500
STATUS_CHOICES = {
    "unresolved": [EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED],
    "open": [EscalationStatus.OPEN],
    "acknowledged": [EscalationStatus.ACKNOWLEDGED],
    "resolved": [EscalationStatus.RESOLVED],
}
# Resolved items are history, not work: the queue shows the last week of them on request.
RESOLVED_WINDOW = dt.timedelta(days=7)


def visible_clinics(*, user) -> QuerySet[Clinic]:
    return clinics_with_perm(user=user, perm=VIEW_PATIENT)


def patients_visible(*, user) -> QuerySet[Patient]:
    return Patient.objects.filter(clinic__in=visible_clinics(user=user))


def escalations_visible(*, user) -> QuerySet[Escalation]:
    return Escalation.objects.filter(clinic__in=visible_clinics(user=user))


def patient_get(*, user, pk: int) -> Patient:
    patient = patients_visible(user=user).select_related("clinic").filter(pk=pk).first()
    if patient is None:
        raise Http404("No such patient.")
    return patient


def escalation_get(*, user, pk: int) -> Escalation:
    escalation = (
        escalations_visible(user=user)
        .select_related("clinic", "patient", "enrollment", "owner", "acknowledged_by")
        .filter(pk=pk)
        .first()
    )
    if escalation is None:
        raise Http404("No such escalation.")
    return escalation


# --- the queue --------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueueFilters:
    tier: str = ""
    procedure: str = ""
    physician: int | None = None
    status: str = "unresolved"
    mine: bool = False

    @classmethod
    def from_params(cls, params: QueryDict) -> QueueFilters:
        """Unknown values are dropped, not errors: a stale bookmark still opens the queue."""
        tier = params.get("tier", "")
        status = params.get("status", "unresolved")
        physician = params.get("physician", "")
        return cls(
            tier=tier if tier in Tier.values else "",
            procedure=params.get("procedure", "").strip().upper()[:20],
            physician=int(physician) if physician.isdigit() else None,
            status=status if status in STATUS_CHOICES else "unresolved",
            mine=params.get("mine") in ("1", "on", "true"),
        )

    def as_query(self) -> str:
        from urllib.parse import urlencode

        pairs = {
            "tier": self.tier,
            "procedure": self.procedure,
            "physician": self.physician or "",
            "status": "" if self.status == "unresolved" else self.status,
            "mine": "1" if self.mine else "",
        }
        return urlencode({k: v for k, v in pairs.items() if v})


@dataclass
class QueueRow:
    escalation: Escalation
    patient: Patient
    procedure: str
    days_since_procedure: int | None
    flagged_at: dt.datetime
    latest_flag_at: dt.datetime | None
    flag_count: int
    age: dt.timedelta

    @property
    def tier(self) -> str:
        return self.escalation.tier

    @property
    def is_new_report(self) -> bool:
        """Another report arrived after it was first raised."""
        return bool(self.latest_flag_at and self.latest_flag_at > self.flagged_at)


_TIER_RANK = Case(
    When(tier=Tier.EMERGENCY, then=Value(0)),
    When(tier=Tier.URGENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def triage_queue(*, user, filters: QueueFilters, now: dt.datetime | None = None) -> list[QueueRow]:
    """Escalations to work, most serious first, then the longest waiting first."""
    now = now or timezone.now()
    queryset = escalations_visible(user=user).filter(status__in=STATUS_CHOICES[filters.status])
    if filters.status == "resolved":
        queryset = queryset.filter(resolved_at__gte=now - RESOLVED_WINDOW)
    if filters.tier:
        queryset = queryset.filter(tier=filters.tier)
    if filters.procedure:
        queryset = queryset.filter(enrollment__procedure=filters.procedure)
    if filters.physician:
        queryset = queryset.filter(enrollment__physician_id=filters.physician)
    if filters.mine:
        queryset = queryset.filter(owner=user)
    queryset = (
        queryset.annotate(
            tier_rank=_TIER_RANK,
            latest_flag_at=Max("flags__created_at"),
            flag_count=Count("flags"),
        )
        .select_related(
            "clinic", "patient", "enrollment", "enrollment__physician", "owner", "acknowledged_by"
        )
        .order_by("tier_rank", "created_at", "id")[:QUEUE_LIMIT]
    )
    rows = []
    for escalation in queryset:
        enrollment = escalation.enrollment
        days = None
        if enrollment is not None:
            local_today = now.astimezone(zoneinfo.ZoneInfo(escalation.clinic.time_zone)).date()
            days = (local_today - enrollment.performed_on).days
        rows.append(
            QueueRow(
                escalation=escalation,
                patient=escalation.patient,
                procedure=enrollment.procedure if enrollment is not None else "",
                days_since_procedure=days,
                flagged_at=escalation.created_at,
                latest_flag_at=escalation.latest_flag_at,
                flag_count=escalation.flag_count,
                age=now - escalation.created_at,
            )
        )
    return rows


def queue_signature(rows: list[QueueRow]) -> str:
    """Changes whenever anything a nurse would see in the queue changes (not the clocks)."""
    digest = hashlib.sha256()
    for row in rows:
        e = row.escalation
        digest.update(
            f"{e.pk}|{e.status}|{e.tier}|{e.owner_id}|{e.next_page_at}|{row.flag_count}|"
            f"{row.latest_flag_at};".encode()
        )
    return digest.hexdigest()[:16]


def queue_choices(*, user) -> dict:
    """Options for the queue's filter form, from the user's own clinics."""
    from ..models import Protocol

    clinics = visible_clinics(user=user)
    physicians = (
        ClinicMembership.objects.filter(clinic__in=clinics, role=Role.PHYSICIAN, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )
    seen: dict[int, str] = {}
    for m in physicians:
        seen.setdefault(m.user_id, m.user.get_full_name() or m.user.get_username())
    return {
        "tiers": Tier.choices,
        "procedures": list(
            Protocol.objects.filter(is_current=True).order_by("code").values_list("code", "name")
        ),
        "physicians": sorted(seen.items(), key=lambda item: item[1]),
        "statuses": [
            ("unresolved", "Open and acknowledged"),
            ("open", "Open (nobody has it)"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved, last 7 days"),
        ],
    }


# --- the patient timeline -----------------------------------------------------------------------
@dataclass
class FeedItem:
    at: dt.datetime
    kind: str  # event | sms_out | sms_in | email_out | note
    title: str
    body: str = ""
    status: str = ""
    actor: str = ""
    escalation_code: str = ""
    problem: bool = False
    inbound_id: int | None = None  # a patient text: staff can label its true tier (issue 21)
    label: str = ""  # that label, if any


@dataclass
class Trend:
    kind: str
    label: str
    points: list[tuple[str, float]]  # (checkpoint label, value)
    baseline: float | None
    maximum: float

    @property
    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None

    @property
    def summary(self) -> str:
        # One decimal for the ODI percent (computed, rounded half-up), whole numbers for the
        # pain scales, which are whole numbers: no false precision either way.
        places = 1 if self.kind == Score.Kind.ODI else 0
        values = [number(value, places) for _, value in self.points]
        base = f"baseline {number(self.baseline, places)}, " if self.baseline is not None else ""
        return f"{self.label}: {base}{' → '.join(values) if values else 'no scores yet'}"

    @property
    def sparkline(self) -> str:
        """SVG polyline points in a 120x32 box (server-side: no chart library, works offline)."""
        values = ([self.baseline] if self.baseline is not None else []) + [
            v for _, v in self.points
        ]
        if not values:
            return ""
        if len(values) == 1:
            values = values * 2
        step = 116 / (len(values) - 1)
        top = self.maximum or 1
        return " ".join(
            f"{2 + i * step:.1f},{30 - (min(v, top) / top) * 28:.1f}" for i, v in enumerate(values)
        )


@dataclass
class EnrollmentView:
    enrollment: Enrollment
    checkpoints: list[Checkpoint]
    trends: list[Trend]


@dataclass
class EscalationView:
    escalation: Escalation
    flags: list[Flag]
    steps: list[TimelineEvent]
    pages: list[Page]
    # Filled in by the view: the call-back script, and a refused form's errors and values.
    script: object | None = None
    errors: dict = field(default_factory=dict)
    posted: dict = field(default_factory=dict)
    can_act: bool = False


@dataclass
class PatientTimeline:
    patient: Patient
    enrollments: list[EnrollmentView]
    unresolved: list[EscalationView]
    resolved: list[EscalationView]
    feed: list[FeedItem] = field(default_factory=list)

    @property
    def unreachable(self) -> bool:
        return bool(self.patient.phone_invalid_at) or any(
            c.status == CheckpointStatus.OPEN and c.status_reason.startswith("unreachable")
            for e in self.enrollments
            for c in e.checkpoints
        )


_SCORE_SCALE = {
    Score.Kind.ODI: ("ODI %", Decimal(100)),
    Score.Kind.NRS_NOW: ("Pain now (0-10)", Decimal(10)),
    Score.Kind.NRS_AVG: ("Average pain (0-10)", Decimal(10)),
    Score.Kind.VAS: ("Pain VAS (0-100)", Decimal(100)),
}
_BASELINE = {Score.Kind.ODI: "baseline_odi", Score.Kind.NRS_NOW: "baseline_pain"}
_FEED_LIMIT = 400


def _trends(enrollment: Enrollment, checkpoints: list[Checkpoint]) -> list[Trend]:
    by_kind: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for checkpoint in checkpoints:
        for score in checkpoint.scores.all():
            by_kind[score.kind].append((checkpoint.label, float(score.value)))
    trends = []
    for kind, (label, top) in _SCORE_SCALE.items():
        baseline_attr = _BASELINE.get(kind)
        baseline = getattr(enrollment, baseline_attr) if baseline_attr else None
        if kind not in by_kind and baseline is None:
            continue
        trends.append(
            Trend(
                kind=kind,
                label=label,
                points=by_kind.get(kind, []),
                baseline=float(baseline) if baseline is not None else None,
                maximum=float(top),
            )
        )
    return trends


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def patient_timeline(*, patient: Patient) -> PatientTimeline:
    """Everything staff need to call the patient back, newest activity first.

    The caller has already scoped ``patient`` (see :func:`patient_get`).
    """
    checkpoint_qs = Checkpoint.objects.prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("answered_at", "id")),
        "scores",
    ).order_by("target_date", "id")
    enrollments = list(
        Enrollment.objects.filter(patient=patient)
        .select_related("protocol", "physician", "clinic")
        .prefetch_related(Prefetch("checkpoints", queryset=checkpoint_qs))
        .order_by("-performed_on", "-id")
    )
    enrollment_views = []
    for enrollment in enrollments:
        checkpoints = list(enrollment.checkpoints.all())
        for checkpoint in checkpoints:
            for answer in checkpoint.answers.all():
                answer.question_label = question_label(answer.question_code)
                answer.value_label = answer_label(answer.question_code, answer.value)
        enrollment_views.append(
            EnrollmentView(
                enrollment=enrollment,
                checkpoints=checkpoints,
                trends=_trends(enrollment, checkpoints),
            )
        )

    escalations = list(
        Escalation.objects.filter(patient=patient)
        .select_related("owner", "acknowledged_by", "resolved_by", "enrollment")
        .prefetch_related(
            Prefetch("flags", queryset=Flag.objects.order_by("created_at", "id")),
            Prefetch(
                "timeline",
                queryset=TimelineEvent.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch(
                "pages",
                queryset=Page.objects.select_related("recipient").order_by("created_at", "id"),
            ),
        )
        .annotate(tier_rank=_TIER_RANK)
        .order_by("tier_rank", "created_at")
    )
    unresolved, resolved = [], []
    for escalation in escalations:
        view = EscalationView(
            escalation=escalation,
            flags=list(escalation.flags.all()),
            steps=list(escalation.timeline.all()),
            pages=list(escalation.pages.all()),
        )
        (resolved if escalation.status == EscalationStatus.RESOLVED else unresolved).append(view)
    resolved.sort(key=lambda v: v.escalation.resolved_at or v.escalation.created_at, reverse=True)

    return PatientTimeline(
        patient=patient,
        enrollments=enrollment_views,
        unresolved=unresolved,
        resolved=resolved,
        feed=_feed(patient),
    )


def _feed(patient: Patient) -> list[FeedItem]:
    """Messages in and out, with delivery status, and every timeline event, newest first."""
    items: list[FeedItem] = []
    for event in (
        TimelineEvent.objects.filter(patient=patient)
        .select_related("actor", "escalation")
        .order_by("-at", "-id")[:_FEED_LIMIT]
    ):
        if event.kind == "sms_in":
            continue  # the inbound message itself is listed below, with its text
        note = event.data.get("note", "") if event.kind in ("note", "escalation_resolved") else ""
        items.append(
            FeedItem(
                at=event.at,
                kind="note" if event.kind == "note" else "event",
                title=summary_in_words(event.summary),
                body=note,
                actor=_name(event.actor),
                escalation_code=event.escalation.code if event.escalation_id else "",
                problem=event.kind
                in (
                    "page_failed",
                    "unreachable",
                    "safety_reply_undeliverable",
                    "page_no_recipient",
                ),
            )
        )
    for message in OutboundMessage.objects.filter(patient=patient).order_by("-created_at", "-id")[
        :_FEED_LIMIT
    ]:
        status = message.get_status_display()
        if message.error_code:
            status += f" (error {message.error_code})"
        items.append(
            FeedItem(
                at=message.created_at,
                kind="email_out" if message.channel == "email" else "sms_out",
                title=f"{message.channel.upper()} to patient: {message.get_purpose_display()}",
                body=message.subject or message.body,
                status=status,
                problem=message.status in ("failed", "undelivered", "cancelled"),
            )
        )
    for message in InboundMessage.objects.filter(patient=patient).order_by("-received_at", "-id")[
        :_FEED_LIMIT
    ]:
        items.append(
            FeedItem(
                at=message.received_at,
                kind="sms_in",
                title="SMS from patient"
                + (f" ({message.kind.replace('_', ' ')})" if message.kind else ""),
                body=message.body,
                status=message.get_status_display(),
                inbound_id=message.pk,
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:_FEED_LIMIT]


# --- worklists --------------------------------------------------------------------------------
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


def worklist_counts(*, user) -> dict[str, int]:
    return {w: len(worklist_items(user=user, worklist=w)) for w in _BUILDERS}


def worklist_item_get(*, user, worklist: str, key: str) -> WorklistItem:
    for item in worklist_items(user=user, worklist=worklist, include_done=True):
        if item.key == key:
            return item
    raise Http404("No such worklist item.")
