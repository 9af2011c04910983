"""Raising an escalation for a flag, and owning it: acknowledge, assign, resolve."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from notifications.sms_encoding import to_gsm7_safe
from patients.models import ClinicMembership

from ...models import Escalation, EscalationStatus, Flag, Outcome
from ...tiers import tier_rank
from ...timeline import timeline_add
from .pages import (
    chain_run,
    escalation_link,
    minutes_between,
    pages_stop,
    staff_notice_send,
    text_fit,
    user_display,
)
from .roster import memberships_of


def _new_code() -> str:
    """A short code no other unresolved escalation uses. Four digits while they last."""
    for digits in (4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 8, 8):
        low = 10 ** (digits - 1)
        code = str(low + secrets.randbelow(9 * low))
        if (
            not Escalation.objects.filter(code=code)
            .exclude(status=EscalationStatus.RESOLVED)
            .exists()
        ):
            return code
    raise RuntimeError("could not find a free escalation code")


def _open_for(patient, kind: str) -> Escalation | None:
    """The patient's unresolved escalation of this kind, or one that carries a flag of it (an
    incident opened by another rule of the same report): a later YES to that question joins it."""
    carrying = Flag.objects.filter(patient=patient, rule_code=kind, escalation__isnull=False)
    return (
        Escalation.objects.select_for_update()
        .filter(patient=patient)
        .filter(Q(kind=kind) | Q(pk__in=carrying.values("escalation_id")))
        .exclude(status=EscalationStatus.RESOLVED)
        .order_by("created_at", "pk")
        .first()
    )


def escalation_raise(*, flag: Flag, now: dt.datetime | None = None) -> tuple[Escalation, bool]:
    """Attach a saved flag to its patient's unresolved escalation of the same kind, or open one.

    Returns ``(escalation, created)``. A new escalation pages the first step of its chain at once.
    A flag joining an open escalation does not restart the chain (the clinicians are already being
    paged), unless it raises the tier: then the chain of the higher tier starts. A flag joining an
    acknowledged escalation tells its owner.
    """
    now = now or timezone.now()
    kind = flag.rule_code
    clinic = flag.enrollment.clinic if flag.enrollment_id else flag.patient.clinic
    with transaction.atomic():
        for _attempt in range(5):
            existing = _open_for(flag.patient, kind)
            if existing is not None:
                _attach(existing, flag, now)
                return existing, False
            try:
                with transaction.atomic():
                    escalation = Escalation.objects.create(
                        clinic=clinic,
                        patient=flag.patient,
                        enrollment=flag.enrollment,
                        tier=flag.tier,
                        kind=kind,
                        reason=flag.reason[:200],
                        code=_new_code(),
                        created_at=now,
                        current_step=0,
                        next_page_at=now,
                    )
            except IntegrityError:
                # Another transaction opened the same kind, or took the same code: look again.
                continue
            flag.escalation = escalation
            flag.save(update_fields=["escalation"])
            timeline_add(
                patient=flag.patient,
                enrollment=flag.enrollment,
                escalation=escalation,
                kind="escalation_opened",
                summary=f"{escalation.tier} escalation {escalation.code} opened: "
                f"{escalation.reason}",
                data={
                    "flag": flag.pk,
                    "code": escalation.code,
                    "tier": escalation.tier,
                    "kind": kind,
                },
                at=now,
            )
            chain_run(escalation, now=now)
            return escalation, True
    raise RuntimeError(
        f"could not open or find an escalation for patient {flag.patient_id} kind {kind}"
    )


def escalation_raise_incident(
    *, flags: list[Flag], now: dt.datetime | None = None
) -> tuple[Escalation, bool]:
    """The flags of ONE report (a text, a check's answers) as one incident: one escalation.

    If the patient already has an unresolved escalation for any of these findings, they all join
    it; otherwise the highest-tier flag opens one (and pages its chain once) and the others join.
    Flags are attached highest tier first, so the chain is (re)started at most once. The
    escalation's reason then names every finding, highest tier first.
    """
    if not flags:
        raise ValueError("an incident needs at least one flag")
    now = now or timezone.now()
    ordered = sorted(flags, key=lambda flag: tier_rank(flag.tier))
    with transaction.atomic():
        existing = None
        for flag in ordered:
            existing = _open_for(flag.patient, flag.rule_code)
            if existing is not None:
                break
        if existing is None:
            escalation, created = escalation_raise(flag=ordered[0], now=now)
            rest = ordered[1:]
        else:
            escalation, created, rest = existing, False, ordered
        for index, flag in enumerate(rest):
            # The owner of an acknowledged escalation hears once per report, not once per rule.
            _attach(escalation, flag, now, notify_owner=index == 0 and not created)
        if len(flags) > 1:
            _describe(escalation)
    return escalation, created


def _describe(escalation: Escalation) -> None:
    """The escalation's reason: every finding it carries, highest tier first, each once."""
    carried = sorted(
        escalation.flags.order_by("created_at", "pk"), key=lambda flag: tier_rank(flag.tier)
    )
    reasons = list(dict.fromkeys(flag.reason for flag in carried))
    reason = "; ".join(reasons)
    if len(reason) > 200:
        reason = reason[:199] + "\u2026"
    if reason and reason != escalation.reason:
        escalation.reason = reason
        escalation.save(update_fields=["reason"])


def _attach(
    escalation: Escalation, flag: Flag, now: dt.datetime, *, notify_owner: bool = True
) -> None:
    flag.escalation = escalation
    flag.save(update_fields=["escalation"])
    timeline_add(
        patient=flag.patient,
        enrollment=flag.enrollment,
        escalation=escalation,
        kind="flag_attached",
        summary=f"New {flag.tier} flag added to escalation {escalation.code} "
        f"({escalation.status}): {flag.reason}",
        data={"flag": flag.pk, "code": escalation.code},
        at=now,
    )
    if tier_rank(flag.tier) < tier_rank(escalation.tier):
        previous = escalation.tier
        escalation.tier = flag.tier
        escalation.reason = flag.reason[:200]
        fields = ["tier", "reason"]
        if escalation.status == EscalationStatus.OPEN:
            # The higher tier's chain starts from its first step: its first people must hear now.
            escalation.next_page_at = now
            fields.append("next_page_at")
        escalation.save(update_fields=fields)
        timeline_add(
            patient=flag.patient,
            enrollment=flag.enrollment,
            escalation=escalation,
            kind="escalation_upgraded",
            summary=f"Escalation {escalation.code} raised from {previous} to {escalation.tier}",
            # Page rounds keep counting (``current_step``); the new chain's steps start here.
            data={"from": previous, "to": escalation.tier, "offset": escalation.current_step},
            at=now,
        )
        if escalation.status == EscalationStatus.OPEN:
            chain_run(escalation, now=now)
            return
    if notify_owner and escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.owner_id:
        owner = memberships_of(escalation.clinic, [escalation.owner])
        for membership in owner:
            staff_notice_send(
                escalation,
                membership,
                key=f"flag:{flag.pk}:owner-notice",
                text=text_fit(
                    to_gsm7_safe(escalation.clinic.name),
                    f": new patient report on {escalation.tier} flag {escalation.code} (yours). "
                    f"{escalation_link(escalation)}",
                ),
                now=now,
            )


def _check_member(escalation: Escalation, user) -> None:
    if getattr(user, "is_superuser", False):
        return
    if not ClinicMembership.objects.filter(
        clinic_id=escalation.clinic_id, user=user, is_active=True
    ).exists():
        raise PermissionError(f"{user.get_username()} is not a member of {escalation.clinic.slug}")


def escalation_acknowledge(
    *, escalation: Escalation, user, via: str, now: dt.datetime | None = None
) -> bool:
    """``user`` takes the escalation; re-paging stops. False when someone else already did.

    A conditional UPDATE decides between two clinicians acknowledging at the same moment: one wins.
    Acknowledging twice as the same person is harmless and returns True.
    """
    now = now or timezone.now()
    _check_member(escalation, user)
    with transaction.atomic():
        won = Escalation.objects.filter(pk=escalation.pk, status=EscalationStatus.OPEN).update(
            status=EscalationStatus.ACKNOWLEDGED,
            acknowledged_at=now,
            acknowledged_by=user,
            acknowledged_via=via[:10],
            next_page_at=None,
        )
        escalation.refresh_from_db()
        if not won:
            return (
                escalation.acknowledged_by_id == user.pk
                and escalation.status == EscalationStatus.ACKNOWLEDGED
            )
        if escalation.owner_id is None:
            Escalation.objects.filter(pk=escalation.pk, owner__isnull=True).update(owner=user)
            escalation.refresh_from_db(fields=["owner"])
        cancelled = pages_stop(escalation)
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="escalation_acknowledged",
            summary=f"Escalation {escalation.code} acknowledged by {user_display(user)} via {via}, "
            f"{minutes_between(escalation.created_at, now)} min after it opened",
            actor=user,
            data={
                "via": via,
                "minutes_since_opened": minutes_between(escalation.created_at, now),
                "pages_cancelled": cancelled,
            },
            at=now,
        )
    return True


def escalation_assign(
    *, escalation: Escalation, user, actor=None, now: dt.datetime | None = None
) -> Escalation:
    """Make ``user`` the owner. Paging goes on until someone acknowledges; the new owner is told."""
    now = now or timezone.now()
    _check_member(escalation, user)
    if actor is not None:
        _check_member(escalation, actor)
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient")
            .get(pk=escalation.pk)
        )
        if escalation.status == EscalationStatus.RESOLVED:
            raise ValueError(f"Escalation {escalation.code} is already resolved.")
        escalation.owner = user
        escalation.save(update_fields=["owner"])
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="escalation_assigned",
            summary=f"Escalation {escalation.code} assigned to {user_display(user)}",
            actor=actor,
            data={"owner": user.pk},
            at=now,
        )
        if actor is None or actor.pk != user.pk:
            for membership in memberships_of(escalation.clinic, [user]):
                staff_notice_send(
                    escalation,
                    membership,
                    key=f"assign:{escalation.pk}:{user.pk}:{int(now.timestamp())}",
                    text=text_fit(
                        to_gsm7_safe(escalation.clinic.name),
                        f": {escalation.tier} flag {escalation.code} assigned to you. "
                        f"{escalation_link(escalation)} Reply ACK {escalation.code}",
                    ),
                    now=now,
                )
    return escalation


def escalation_resolve(
    *, escalation: Escalation, user, outcome: str, note: str, now: dt.datetime | None = None
) -> Escalation:
    """Close the escalation with what happened. Both an outcome and a note are required."""
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise ValueError(
            f"Unknown outcome {outcome!r}; choose one of: {', '.join(Outcome.values)}."
        )
    note = (note or "").strip()
    if not note:
        raise ValueError(
            "A resolution note is required: say what was done and what the patient was told."
        )
    _check_member(escalation, user)
    with transaction.atomic():
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient")
            .get(pk=escalation.pk)
        )
        if escalation.status == EscalationStatus.RESOLVED:
            by = escalation.resolved_by.get_username() if escalation.resolved_by else "someone"
            raise ValueError(f"Escalation {escalation.code} was already resolved by {by}.")
        if escalation.acknowledged_at is None:
            # Resolving is owning: the time to first response is the time it was resolved.
            escalation.acknowledged_at = now
            escalation.acknowledged_by = user
            escalation.acknowledged_via = "resolve"
        if escalation.owner_id is None:
            escalation.owner = user
        escalation.status = EscalationStatus.RESOLVED
        escalation.resolved_at = now
        escalation.resolved_by = user
        escalation.outcome = outcome
        escalation.resolution_note = note
        escalation.next_page_at = None
        escalation.save()
        pages_stop(escalation)
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="escalation_resolved",
            summary=f"Escalation {escalation.code} resolved by {user_display(user)}: "
            f"{Outcome(outcome).label}",
            actor=user,
            data={
                "outcome": outcome,
                "note": note,
                "minutes_since_opened": minutes_between(escalation.created_at, now),
            },
            at=now,
        )
    return escalation
