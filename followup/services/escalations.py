"""Escalations: who is paged about a red flag, when they are re-paged, and how someone owns it.

An escalation is one problem of one patient (``kind`` = the rule code) that needs a person. It is
open until a clinician acknowledges it; while open it walks its clinic's chain for its tier
(:class:`~followup.models.EscalationChain`, or :data:`DEFAULT_CHAINS`). The chain's pointer and
timer are columns of the row (DESIGN rule 1): ``current_step`` counts the page rounds fired so
far (= the chain index of the next one; past the end of the chain it means "repeat the last
step"; after a tier upgrade the new chain counts from the round the upgrade happened at, see
:func:`chain_start`) and ``next_page_at`` says when the next round is due. The periodic sweep
(:func:`escalations_repage_due`) fires what is due; nothing waits in a Celery ``eta``.

Pages carry no PHI (DESIGN rule 6): clinic, tier, a short code, a login link. They go through the
outbox by SMS and email; a page that fails for good moves the chain on at once and tells the
clinic admins. A step that finds nobody on call pages the clinic admins and the clinic lead
instead, and says so on the timeline: a red flag is never only a row.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.outbox import outbox_cancel, outbox_enqueue
from notifications.sms_encoding import to_gsm7_safe
from patients.models import Clinic, ClinicMembership, Role

from ..models import (
    Escalation,
    EscalationChain,
    EscalationStatus,
    Flag,
    OnCallShift,
    Outcome,
    Page,
    Tier,
)
from ..protocol_data import TIER_ORDER
from ..timeline import timeline_add

logger = logging.getLogger(__name__)

DEFAULT_CHAINS: dict[str, list[dict]] = {
    # DOMAIN.md: the on-call clinician is paged at once; backup after 10 min, clinic lead after 20.
    Tier.EMERGENCY: [
        {"after_minutes": 0, "target": "oncall:primary"},
        {"after_minutes": 10, "target": "oncall:backup"},
        {"after_minutes": 20, "target": "oncall:lead", "repeat_minutes": 15},
    ],
    # Same-day call-back: the triage nurses in hours, the on-call clinician after hours, and the
    # on-call clinician in any case when nobody has taken it within an hour.
    Tier.URGENT: [
        {"after_minutes": 0, "target": "role:triage_nurse", "hours": "business"},
        {"after_minutes": 0, "target": "oncall:primary", "hours": "after"},
        {"after_minutes": 60, "target": "oncall:primary", "repeat_minutes": 60},
    ],
    # Next triage review: the queue only, nobody is woken up.
    Tier.ROUTINE: [],
}

_TARGET_KINDS = ("oncall", "role", "user")
_ROLES_ON_CALL = {choice.value for choice in OnCallShift.Role}
_CLINIC_ROLES = {choice.value for choice in Role}
_SMS_LIMIT = 160


# --- chains and rosters --------------------------------------------------------------------------
def chain_problems(steps: object) -> list[str]:
    """What is wrong with a chain's ``steps``; an empty list means it can be used."""
    if not isinstance(steps, list):
        return ["steps must be a list"]
    problems: list[str] = []
    previous = 0
    for number, step in enumerate(steps, start=1):
        where = f"step {number}"
        if not isinstance(step, dict):
            problems.append(f"{where}: must be an object")
            continue
        after = step.get("after_minutes")
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            problems.append(f"{where}: after_minutes must be a whole number >= 0")
        elif after < previous:
            problems.append(f"{where}: after_minutes goes back in time ({after} < {previous})")
        else:
            previous = after
        kind, _, value = str(step.get("target", "")).partition(":")
        if kind not in _TARGET_KINDS or not value:
            problems.append(
                f"{where}: target must be oncall:<role>, role:<clinic role> or user:<username>"
            )
        elif kind == "oncall" and value not in _ROLES_ON_CALL:
            problems.append(f"{where}: unknown on-call role {value!r} ({sorted(_ROLES_ON_CALL)})")
        elif kind == "role" and value not in _CLINIC_ROLES:
            problems.append(f"{where}: unknown clinic role {value!r} ({sorted(_CLINIC_ROLES)})")
        if step.get("hours") not in (None, "business", "after"):
            problems.append(f"{where}: hours must be 'business' or 'after'")
        repeat = step.get("repeat_minutes")
        if repeat is not None:
            if number != len(steps):
                problems.append(f"{where}: only the last step may repeat")
            if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 5:
                problems.append(f"{where}: repeat_minutes must be a whole number >= 5")
    return problems


def chain_steps(*, clinic: Clinic, tier: str) -> list[dict]:
    """The clinic's chain for a tier; the default when it has none or its own is unusable.

    An EMERGENCY or URGENT chain with no steps would page nobody: it falls back to the default.
    """
    chain = EscalationChain.objects.filter(clinic=clinic, tier=tier).first()
    if chain is not None:
        problems = chain_problems(chain.steps)
        if not problems and (chain.steps or tier == Tier.ROUTINE):
            return list(chain.steps)
        logger.error(
            "escalation chain %s %s unusable (%s): using the default",
            clinic.slug,
            tier,
            "; ".join(problems) or "no steps",
        )
    return [dict(step) for step in DEFAULT_CHAINS.get(tier, [])]


def clinic_in_business_hours(*, clinic: Clinic, at: dt.datetime) -> bool:
    local = at.astimezone(zoneinfo.ZoneInfo(clinic.time_zone))
    days = clinic.business_days or [1, 2, 3, 4, 5]
    return (
        local.isoweekday() in days
        and clinic.business_hours_start <= local.time() < clinic.business_hours_end
    )


def _memberships(clinic: Clinic, users: Iterable) -> list[ClinicMembership]:
    ids = [user.pk for user in users]
    found = ClinicMembership.objects.filter(
        clinic=clinic, user_id__in=ids, is_active=True
    ).select_related("user")
    by_user = {m.user_id: m for m in found}
    return [by_user[i] for i in dict.fromkeys(ids) if i in by_user]


def on_call(*, clinic: Clinic, role: str, at: dt.datetime) -> list[ClinicMembership]:
    """Who covers ``role`` for the clinic at ``at`` (active members only)."""
    shifts = OnCallShift.objects.filter(clinic=clinic, role=role, starts_at__lte=at, ends_at__gt=at)
    return _memberships(
        clinic, [shift.user for shift in shifts.select_related("user").order_by("starts_at")]
    )


def _resolve_target(clinic: Clinic, target: str, at: dt.datetime) -> list[ClinicMembership]:
    kind, _, value = target.partition(":")
    if kind == "oncall":
        return on_call(clinic=clinic, role=value, at=at)
    if kind == "role":
        return list(
            ClinicMembership.objects.filter(
                clinic=clinic, role=value, is_active=True
            ).select_related("user")
        )
    if kind == "user":
        return list(
            ClinicMembership.objects.filter(
                clinic=clinic, user__username=value, is_active=True
            ).select_related("user")
        )
    return []


def _reachable(memberships: Iterable[ClinicMembership]) -> list[ClinicMembership]:
    return [m for m in memberships if m.page_phone or m.page_email]


def _fallback(clinic: Clinic, at: dt.datetime) -> list[ClinicMembership]:
    """When a step finds nobody: the clinic admins and the lead, else every physician."""
    admins = ClinicMembership.objects.filter(clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True)
    people = _reachable(
        [*admins.select_related("user"), *on_call(clinic=clinic, role="lead", at=at)]
    )
    if not people:
        physicians = ClinicMembership.objects.filter(
            clinic=clinic, role=Role.PHYSICIAN, is_active=True
        )
        people = _reachable(physicians.select_related("user"))
    unique = {m.pk: m for m in people}
    return list(unique.values())


# --- texts (no PHI) ------------------------------------------------------------------------------
def escalation_link(escalation: Escalation) -> str:
    return f"{settings.PUBLIC_BASE_URL}/t/e/{escalation.pk}/"


def _fit(prefix: str, rest: str) -> str:
    """``prefix`` (the clinic name) is what gets shortened: the code and link must survive."""
    room = _SMS_LIMIT - 1 - len(rest)
    if len(prefix) > room:
        prefix = prefix[: max(room, 0)].rstrip()
    return f"{prefix}{rest}".strip()


def page_sms_text(escalation: Escalation) -> str:
    name = to_gsm7_safe(escalation.clinic.name)
    code = escalation.code
    return _fit(
        name,
        f" {escalation.tier} flag {code}. Log in: {escalation_link(escalation)} Reply ACK {code}",
    )


def page_email(escalation: Escalation) -> tuple[str, str]:
    clinic, code, tier = escalation.clinic.name, escalation.code, escalation.tier
    subject = f"{clinic}: {tier} flag {code}"
    body = (
        f"A patient flag at {clinic} needs a clinician.\n\n"
        f"Tier: {tier}\nCode: {code}\n\n"
        f"Open it (login required): {escalation_link(escalation)}\n\n"
        f"To take it, press Acknowledge on that page or text ACK {code} in reply to the page SMS.\n"
    )
    return subject, body


def _admin_alert_text(escalation: Escalation, username: str, error: str) -> str:
    name = to_gsm7_safe(escalation.clinic.name)
    detail = f" ({error})" if error else ""
    return _fit(
        name,
        f": page to {username} for {escalation.tier} flag {escalation.code} failed{detail}. "
        f"Check the roster: {escalation_link(escalation)}",
    )


# --- raising -------------------------------------------------------------------------------------
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


def _tier_rank(tier: str) -> int:
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


def _open_for(patient, kind: str) -> Escalation | None:
    return (
        Escalation.objects.select_for_update()
        .filter(patient=patient, kind=kind)
        .exclude(status=EscalationStatus.RESOLVED)
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
            _run_chain(escalation, now=now)
            return escalation, True
    raise RuntimeError(
        f"could not open or find an escalation for patient {flag.patient_id} kind {kind}"
    )


def _attach(escalation: Escalation, flag: Flag, now: dt.datetime) -> None:
    flag.escalation = escalation
    flag.save(update_fields=["escalation"])
    timeline_add(
        patient=flag.patient,
        enrollment=flag.enrollment,
        escalation=escalation,
        kind="flag_attached",
        summary=f"New {flag.tier} flag added to escalation {escalation.code} ({escalation.status})",
        data={"flag": flag.pk, "code": escalation.code},
        at=now,
    )
    if _tier_rank(flag.tier) < _tier_rank(escalation.tier):
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
            _run_chain(escalation, now=now)
            return
    if escalation.status == EscalationStatus.ACKNOWLEDGED and escalation.owner_id:
        owner = _memberships(escalation.clinic, [escalation.owner])
        for membership in owner:
            _send_staff_notice(
                escalation,
                membership,
                key=f"flag:{flag.pk}:owner-notice",
                text=_fit(
                    to_gsm7_safe(escalation.clinic.name),
                    f": new patient report on {escalation.tier} flag {escalation.code} (yours). "
                    f"{escalation_link(escalation)}",
                ),
                now=now,
            )


# --- the chain -----------------------------------------------------------------------------------
def _due(steps: list[dict], index: int, now: dt.datetime, base: dt.datetime) -> dt.datetime | None:
    if index < len(steps):
        return base + dt.timedelta(minutes=steps[index]["after_minutes"])
    repeat = steps[-1].get("repeat_minutes") if steps else None
    return now + dt.timedelta(minutes=repeat) if repeat else None


def _run_chain(escalation: Escalation, *, now: dt.datetime, force: bool = False) -> int:
    """Fire every step that is due (or the next one at once with ``force``). Caller holds the lock.

    Step times count from the chain's start: the backup is paged 10 minutes after the flag, not
    10 minutes after whenever the first page happened to go out. ``current_step`` numbers page
    rounds for the whole escalation (``Page.step``), so a tier upgrade that starts a new chain
    pages its people again instead of finding their earlier pages.
    """
    steps = chain_steps(clinic=escalation.clinic, tier=escalation.tier)
    base, offset = chain_start(escalation)
    fired = 0
    unapplied = 0  # due rounds whose step did not apply at this hour
    while (
        escalation.status == EscalationStatus.OPEN
        and escalation.next_page_at is not None
        and (force or escalation.next_page_at <= now)
    ):
        if not steps:
            escalation.next_page_at = None
            break
        index = escalation.current_step - offset
        step = steps[min(index, len(steps) - 1)]
        paged = _fire_step(
            escalation, escalation.current_step, min(index, len(steps) - 1), step, now
        )
        fired += paged
        escalation.current_step += 1
        escalation.next_page_at = _due(steps, index + 1, now, base)
        # A forced step that did not apply (outside its hours) hands the force on to the next one.
        force = force and paged == 0
        unapplied += not _hours_apply(step, escalation.clinic, now)
    if unapplied and not fired:
        fired = _page_fallback_if_unpaged(escalation, now, since=base)
    escalation.save(update_fields=["current_step", "next_page_at"])
    return fired


def _page_fallback_if_unpaged(
    escalation: Escalation, now: dt.datetime, *, since: dt.datetime
) -> int:
    """Never zero pages: an EMERGENCY/URGENT escalation whose due rounds paged nobody (no step
    applies at this hour) and whose current chain (started at ``since``) has paged nobody yet
    pages the clinic's fallback now, in the last round (which paged nobody, so its Page keys
    are free; ``current_step`` is left alone so the chain's later steps keep their places).

    Chains that leave an hour uncovered are refused when saved (``followup.chain_rules``); this
    catches chains saved before that rule and ones whose clinic changed its business hours.
    """
    if escalation.tier not in (Tier.EMERGENCY, Tier.URGENT):
        return 0
    if escalation.pages.filter(created_at__gte=since).exists():
        return 0
    people = _fallback(escalation.clinic, now)
    timeline_add(
        patient=escalation.patient,
        enrollment=escalation.enrollment,
        escalation=escalation,
        kind="page_no_recipient",
        summary="No step of the chain applies at this hour; paged "
        + (", ".join(m.user.get_username() for m in people) or "nobody")
        + " instead",
        data={"round": escalation.current_step - 1, "fallback": [m.user_id for m in people]},
        at=now,
    )
    if not people:
        logger.error(
            "escalation %s: nobody at all to page at %s", escalation.pk, escalation.clinic.slug
        )
        return 0
    for membership in people:
        _page(escalation, escalation.current_step - 1, "fallback: no step applies", membership, now)
    return len(people)


def chain_start(escalation: Escalation) -> tuple[dt.datetime, int]:
    """When the current chain started and the page round it started at: the escalation's
    creation (round 0), or its latest tier upgrade."""
    upgraded = escalation.timeline.filter(kind="escalation_upgraded").order_by("-at", "-id").first()
    if upgraded is None:
        return escalation.created_at, 0
    return upgraded.at, int(upgraded.data.get("offset", 0))


def _hours_apply(step: dict, clinic: Clinic, now: dt.datetime) -> bool:
    hours = step.get("hours")
    if hours is None:
        return True
    in_hours = clinic_in_business_hours(clinic=clinic, at=now)
    return in_hours if hours == "business" else not in_hours


def _fire_step(
    escalation: Escalation, round_: int, index: int, step: dict, now: dt.datetime
) -> int:
    """Page the step's people in page round ``round_``; returns how many were paged (0 when the
    step does not apply now). ``index`` is the step's place in the chain, for people to read."""
    clinic = escalation.clinic
    if not _hours_apply(step, clinic, now):
        return 0
    target = step["target"]
    people = _reachable(_resolve_target(clinic, target, now))
    if not people:
        people = _fallback(clinic, now)
        names = ", ".join(m.user.get_username() for m in people) or "nobody"
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="page_no_recipient",
            summary=f"Nobody reachable for {target} (step {index + 1}); paged {names} instead",
            data={
                "step": index,
                "round": round_,
                "target": target,
                "fallback": [m.user_id for m in people],
            },
            at=now,
        )
        if not people:
            logger.error("escalation %s: nobody at all to page at %s", escalation.pk, clinic.slug)
            return 0
    for membership in people:
        _page(escalation, round_, f"{target}, step {index + 1}", membership, now)
    return len(people)


def _page(
    escalation: Escalation, round_: int, label: str, membership: ClinicMembership, now: dt.datetime
) -> None:
    """Page one person by SMS and email, once per page round (the Page row's unique key)."""
    user = membership.user
    channels = []
    if membership.page_phone:
        channels.append(("sms", membership.page_phone))
    if membership.page_email:
        channels.append(("email", membership.page_email))
    sent = []
    for channel, address in channels:
        page, created = Page.objects.get_or_create(
            escalation=escalation,
            step=round_,
            recipient=user,
            channel=channel,
            defaults={"created_at": now},
        )
        if not created:
            continue
        if channel == "sms":
            body, subject = page_sms_text(escalation), ""
        else:
            subject, body = page_email(escalation)
        message = outbox_enqueue(
            key=f"page:{escalation.pk}:{round_}:{user.pk}:{channel}",
            channel=channel,
            to=address,
            body=body,
            subject=subject,
            purpose="page",
            recipient_user=user,
            now=now,
        )
        page.outbound_message_id = message.pk
        page.save(update_fields=["outbound_message_id"])
        sent.append(channel)
    if sent:
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="page_sent",
            summary=f"Paged {_display(user)} ({label}) by {' and '.join(sent)}",
            actor=None,
            data={
                "round": round_,
                "target": label,
                "user": user.pk,
                "channels": sent,
                "minutes_since_opened": _minutes(escalation.created_at, now),
            },
            at=now,
        )


def _send_staff_notice(
    escalation: Escalation, membership: ClinicMembership, *, key: str, text: str, now: dt.datetime
) -> None:
    """A message to staff that is not a page (no chain reacts to its failure)."""
    if membership.page_phone:
        outbox_enqueue(
            key=f"{key}:sms",
            channel="sms",
            to=membership.page_phone,
            body=text,
            purpose="staff_alert",
            recipient_user=membership.user,
            now=now,
        )
    if membership.page_email:
        outbox_enqueue(
            key=f"{key}:email",
            channel="email",
            to=membership.page_email,
            body=text,
            subject=f"{escalation.clinic.name}: flag {escalation.code}",
            purpose="staff_alert",
            recipient_user=membership.user,
            now=now,
        )


def _display(user) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


def escalations_repage_due(*, now: dt.datetime) -> dict:
    """Sweep step: fire the chain steps that are due, claiming rows with SKIP LOCKED in batches."""
    repaged = 0
    pages = 0
    batch = settings.SWEEP_BATCH_SIZE
    while True:
        with transaction.atomic():
            rows = list(
                Escalation.objects.filter(status=EscalationStatus.OPEN, next_page_at__lte=now)
                .order_by("next_page_at")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("clinic", "patient", "enrollment")[:batch]
            )
            for escalation in rows:
                pages += _run_chain(escalation, now=now)
                repaged += 1
        if len(rows) < batch:
            break
    return {"escalations_repaged": repaged, "escalation_pages": pages}


# --- failed pages --------------------------------------------------------------------------------
def escalation_page_failed(*, page: Page, error: str = "", now: dt.datetime | None = None) -> None:
    """A page will never arrive: record it, tell the clinic admins, page the next step at once."""
    now = now or timezone.now()
    with transaction.atomic():
        page = (
            Page.objects.select_for_update(of=("self",)).select_related("recipient").get(pk=page.pk)
        )
        if page.failed_at is not None:
            return
        page.failed_at = now
        page.save(update_fields=["failed_at"])
        escalation = (
            Escalation.objects.select_for_update(of=("self",))
            .select_related("clinic", "patient", "enrollment")
            .get(pk=page.escalation_id)
        )
        username = page.recipient.get_username()
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="page_failed",
            summary=f"Page to {_display(page.recipient)} by {page.channel} failed"
            + (f" ({error})" if error else ""),
            data={"page": page.pk, "step": page.step, "channel": page.channel, "error": error},
            at=now,
        )
        admins = ClinicMembership.objects.filter(
            clinic=escalation.clinic, role=Role.CLINIC_ADMIN, is_active=True
        ).select_related("user")
        for admin in admins:
            _send_staff_notice(
                escalation,
                admin,
                key=f"page-failed:{page.pk}:admin:{admin.user_id}",
                text=_admin_alert_text(escalation, username, error),
                now=now,
            )
        if not admins:
            logger.error(
                "escalation %s: page %s failed and the clinic has no admin to tell",
                escalation.pk,
                page.pk,
            )
        latest_round = escalation.pages.aggregate(latest=Max("step"))["latest"]
        if escalation.status != EscalationStatus.OPEN or page.step != latest_round:
            return  # owned already, or people were paged after this one
        if _step_still_reaches_someone(escalation, page.step):
            return
        steps = chain_steps(clinic=escalation.clinic, tier=escalation.tier)
        _base, offset = chain_start(escalation)
        if escalation.current_step - offset < len(steps):
            timeline_add(
                patient=escalation.patient,
                enrollment=escalation.enrollment,
                escalation=escalation,
                kind="chain_advanced",
                summary="Nobody reachable in that page round: next step paged now",
                data={"step": page.step},
                at=now,
            )
            _run_chain(escalation, now=now, force=True)
        else:
            # Nothing further in the chain: page the clinic admins and lead on this step, once.
            for membership in _fallback(escalation.clinic, now):
                if membership.user_id != page.recipient_id:
                    _page(escalation, page.step, "fallback: chain exhausted", membership, now)


def _step_still_reaches_someone(escalation: Escalation, step: int) -> bool:
    """SMS is the page; email only counts when the step had no SMS at all (no page phones)."""
    pages = list(escalation.pages.filter(step=step))
    sms = [p for p in pages if p.channel == "sms"]
    relevant = sms or pages
    return any(p.failed_at is None for p in relevant)


def on_outbound_failed(sender, message: OutboundMessage, permanent: bool, **kwargs) -> None:
    if message.purpose != "page":
        return
    page = Page.objects.filter(outbound_message_id=message.pk).first()
    if page is None:
        return
    escalation_page_failed(page=page, error=message.error_code or message.last_error[:60])


# --- owning it -----------------------------------------------------------------------------------
def _check_member(escalation: Escalation, user) -> None:
    if getattr(user, "is_superuser", False):
        return
    if not ClinicMembership.objects.filter(
        clinic_id=escalation.clinic_id, user=user, is_active=True
    ).exists():
        raise PermissionError(f"{user.get_username()} is not a member of {escalation.clinic.slug}")


def _stop_pages(escalation: Escalation) -> int:
    """Pages still waiting in the outbox are cancelled: the problem has an owner."""
    ids = [pid for pid in escalation.pages.values_list("outbound_message_id", flat=True) if pid]
    return outbox_cancel(queryset=OutboundMessage.objects.filter(pk__in=ids))


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
        cancelled = _stop_pages(escalation)
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="escalation_acknowledged",
            summary=f"Escalation {escalation.code} acknowledged by {_display(user)} via {via}, "
            f"{_minutes(escalation.created_at, now)} min after it opened",
            actor=user,
            data={
                "via": via,
                "minutes_since_opened": _minutes(escalation.created_at, now),
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
            summary=f"Escalation {escalation.code} assigned to {_display(user)}",
            actor=actor,
            data={"owner": user.pk},
            at=now,
        )
        if actor is None or actor.pk != user.pk:
            for membership in _memberships(escalation.clinic, [user]):
                _send_staff_notice(
                    escalation,
                    membership,
                    key=f"assign:{escalation.pk}:{user.pk}:{int(now.timestamp())}",
                    text=_fit(
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
        _stop_pages(escalation)
        timeline_add(
            patient=escalation.patient,
            enrollment=escalation.enrollment,
            escalation=escalation,
            kind="escalation_resolved",
            summary=f"Escalation {escalation.code} resolved by {_display(user)}: "
            f"{Outcome(outcome).label}",
            actor=user,
            data={
                "outcome": outcome,
                "note": note,
                "minutes_since_opened": _minutes(escalation.created_at, now),
            },
            at=now,
        )
    return escalation


# --- acknowledgement by SMS ----------------------------------------------------------------------
def clinician_memberships_for_phone(phone: str) -> list[ClinicMembership]:
    """The active memberships whose page phone is ``phone`` (with user and clinic)."""
    active = ClinicMembership.objects.filter(page_phone=phone, is_active=True, user__is_active=True)
    # Every text is checked here first, and nearly all come from patients: an EXISTS probe
    # keeps the joined rows (and compiling them) off their path; a clinician pays one query more.
    if not active.exists():
        return []
    return list(active.select_related("user", "clinic"))


def escalation_ack_by_sms(
    *, memberships: list[ClinicMembership], code: str, now: dt.datetime
) -> str:
    """Acknowledge ``code`` for the clinician who texted; returns the reply to send them."""
    clinic_ids = {m.clinic_id for m in memberships}
    users = {m.user_id: m.user for m in memberships}
    escalation = (
        Escalation.objects.filter(code=code, clinic_id__in=clinic_ids)
        .exclude(status=EscalationStatus.RESOLVED)
        .select_related("clinic", "acknowledged_by")
        .first()
    )
    if escalation is None:
        return f"Code {code} not found or already closed. Check the code or log in to triage."
    paged = set(
        escalation.pages.filter(recipient_id__in=users).values_list("recipient_id", flat=True)
    )
    if not paged:
        logger.warning(
            "ACK %s refused: sender was not paged for escalation %s", code, escalation.pk
        )
        return (
            f"You were not paged for {code}, so it was not acknowledged. "
            f"Log in to take it: {escalation_link(escalation)}"
        )
    user = users[sorted(paged)[0]]
    if escalation.status == EscalationStatus.ACKNOWLEDGED:
        if escalation.acknowledged_by_id == user.pk:
            return f"You already acknowledged {code}. {escalation_link(escalation)}"
        return f"{code} was already acknowledged by {_who(escalation.acknowledged_by)}."
    if escalation_acknowledge(escalation=escalation, user=user, via="sms", now=now):
        return (
            f"ACK {code} recorded: the {escalation.tier} flag is yours. "
            f"Details: {escalation_link(escalation)}"
        )
    escalation.refresh_from_db()
    return f"{code} was already acknowledged by {_who(escalation.acknowledged_by)}."


def _who(user) -> str:
    if user is None:
        return "a colleague"
    full = user.get_full_name()
    return to_gsm7_safe(full) if full else user.get_username()


__all__ = [
    "DEFAULT_CHAINS",
    "chain_problems",
    "chain_steps",
    "clinic_in_business_hours",
    "escalation_acknowledge",
    "escalation_assign",
    "escalation_page_failed",
    "escalation_raise",
    "escalation_resolve",
    "escalations_repage_due",
    "on_call",
    "page_sms_text",
]
