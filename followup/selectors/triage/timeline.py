"""A patient's whole story: enrollments, trends, escalations and the merged event feed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from notifications.models import InboundMessage, OutboundMessage
from patients.models import Patient

from ...answer_labels import answer_label, question_label, summary_in_words
from ...models import (
    Answer,
    Checkpoint,
    CheckpointStatus,
    Enrollment,
    Escalation,
    EscalationStatus,
    Flag,
    Page,
    Score,
    TimelineEvent,
)
from ...outcomes.format import number
from ...tiers import tier_rank_expression


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
        .annotate(tier_rank=tier_rank_expression())
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
