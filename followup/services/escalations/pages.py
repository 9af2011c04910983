"""Pages (no PHI): their texts, firing a chain's due steps, and what a page that fails for good does."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.outbox import outbox_cancel, outbox_enqueue
from notifications.sms_encoding import to_gsm7_safe
from patients.models import ClinicMembership, Role

from ...models import Escalation, EscalationStatus, Page, Tier
from ...timeline import timeline_add
from .chains import chain_start, chain_steps, step_due_at, step_hours_apply
from .roster import reachable_only, roster_fallback, target_resolve

logger = logging.getLogger(__name__)


_SMS_LIMIT = 160


def escalation_link(escalation: Escalation) -> str:
    return f"{settings.PUBLIC_BASE_URL}/t/e/{escalation.pk}/"


def text_fit(prefix: str, rest: str) -> str:
    """``prefix`` (the clinic name) is what gets shortened: the code and link must survive."""
    room = _SMS_LIMIT - 1 - len(rest)
    if len(prefix) > room:
        prefix = prefix[: max(room, 0)].rstrip()
    return f"{prefix}{rest}".strip()


def page_sms_text(escalation: Escalation) -> str:
    name = to_gsm7_safe(escalation.clinic.name)
    code = escalation.code
    return text_fit(
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
    return text_fit(
        name,
        f": page to {username} for {escalation.tier} flag {escalation.code} failed{detail}. "
        f"Check the roster: {escalation_link(escalation)}",
    )


def chain_run(escalation: Escalation, *, now: dt.datetime, force: bool = False) -> int:
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
        escalation.next_page_at = step_due_at(steps, index + 1, now, base)
        # A forced step that did not apply (outside its hours) hands the force on to the next one.
        force = force and paged == 0
        unapplied += not step_hours_apply(step, escalation.clinic, now)
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
    people = roster_fallback(escalation.clinic, now)
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


def _fire_step(
    escalation: Escalation, round_: int, index: int, step: dict, now: dt.datetime
) -> int:
    """Page the step's people in page round ``round_``; returns how many were paged (0 when the
    step does not apply now). ``index`` is the step's place in the chain, for people to read."""
    clinic = escalation.clinic
    if not step_hours_apply(step, clinic, now):
        return 0
    target = step["target"]
    people = reachable_only(target_resolve(clinic, target, now))
    if not people:
        people = roster_fallback(clinic, now)
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
            summary=f"Paged {user_display(user)} ({label}) by {' and '.join(sent)}",
            actor=None,
            data={
                "round": round_,
                "target": label,
                "user": user.pk,
                "channels": sent,
                "minutes_since_opened": minutes_between(escalation.created_at, now),
            },
            at=now,
        )


def staff_notice_send(
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


def user_display(user) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full} ({user.get_username()})" if full else user.get_username()


def minutes_between(start: dt.datetime, end: dt.datetime) -> float:
    return round((end - start).total_seconds() / 60, 1)


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
            summary=f"Page to {user_display(page.recipient)} by {page.channel} failed"
            + (f" ({error})" if error else ""),
            data={"page": page.pk, "step": page.step, "channel": page.channel, "error": error},
            at=now,
        )
        admins = ClinicMembership.objects.filter(
            clinic=escalation.clinic, role=Role.CLINIC_ADMIN, is_active=True
        ).select_related("user")
        for admin in admins:
            staff_notice_send(
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
            chain_run(escalation, now=now, force=True)
        else:
            # Nothing further in the chain: page the clinic admins and lead on this step, once.
            for membership in roster_fallback(escalation.clinic, now):
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


def pages_stop(escalation: Escalation) -> int:
    """Pages still waiting in the outbox are cancelled: the problem has an owner."""
    ids = [pid for pid in escalation.pages.values_list("outbound_message_id", flat=True) if pid]
    return outbox_cancel(queryset=OutboundMessage.objects.filter(pk__in=ids))
