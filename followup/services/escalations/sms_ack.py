"""A clinician acknowledging a page by texting "ACK <code>" from their page phone."""

from __future__ import annotations

import datetime as dt
import logging

from notifications.sms_encoding import to_gsm7_safe
from patients.models import ClinicMembership

from ...models import Escalation, EscalationStatus
from .lifecycle import escalation_acknowledge
from .pages import escalation_link

logger = logging.getLogger(__name__)


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
