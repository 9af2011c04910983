"""A clinician acknowledging a page by texting "ACK <code>" from their page phone.

Rules (issue 20.8, docs/security.md "Tenancy"):
- one code per text: a text carrying several codes acknowledges none and says so (guessing which
  one was meant could leave the real emergency unowned while the sender thinks it is theirs);
- a wrong code gets one generic answer, the same whether the code does not exist, is closed or
  belongs to another clinic;
- wrong codes are counted per phone: ACK_WRONG_LIMIT within ACK_WRONG_WINDOW and every ACK
  attempt from that phone is refused for ACK_LOCKOUT, with one answer.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.cache import cache
from django.utils import timezone

from notifications.sms_encoding import to_gsm7_safe
from patients.models import ClinicMembership, Patient

from ...models import Escalation, EscalationStatus
from .lifecycle import escalation_acknowledge
from .pages import escalation_link

logger = logging.getLogger(__name__)

ACK_WRONG_LIMIT = 5
ACK_WRONG_WINDOW = dt.timedelta(minutes=15)
ACK_LOCKOUT = dt.timedelta(minutes=15)

HELP = "To acknowledge a page, reply ACK and its code, e.g. ACK 4821."
ONE_CODE = "One code per text, please: nothing was acknowledged. Reply ACK and one code."
WRONG_CODE = "That code cannot be acknowledged. Check the code or log in to triage."
LOCKED = "Too many wrong codes: text acknowledgements from this phone are paused. Log in to triage."


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
        return WRONG_CODE
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


def sms_ack_handle(
    *, from_number: str, codes: list[str] | None, now: dt.datetime | None = None
) -> str | None:
    """Handle a text from a clinician's page phone; the reply, or None if not a clinician's.

    A text that is not an acknowledgement gets a one-line help reply, unless the number is also a
    patient's (then the patient flow gets it: None). ``codes``: what ``redflags.parse_ack`` read
    in the text (None: not an acknowledgement); the caller parses, as redflags imports this
    package."""

    now = now or timezone.now()
    phone = (from_number or "").strip()
    memberships = clinician_memberships_for_phone(phone)
    if not memberships:
        return None
    if codes is None:
        if Patient.objects.filter(phone=phone).exists():
            return None
        return HELP
    if ack_locked(phone=phone, now=now):
        return LOCKED
    if len(codes) > 1:
        return ONE_CODE
    code = codes[0]
    if not _code_is_live(memberships, code):
        if _record_wrong(phone=phone, now=now):
            logger.warning("ACK by SMS paused for a page phone after repeated wrong codes")
        return WRONG_CODE
    return escalation_ack_by_sms(memberships=memberships, code=code, now=now)


def _code_is_live(memberships: list[ClinicMembership], code: str) -> bool:
    return (
        Escalation.objects.filter(code=code, clinic_id__in={m.clinic_id for m in memberships})
        .exclude(status=EscalationStatus.RESOLVED)
        .exists()
    )


# Wrong attempts live in the cache (Redis in production), as timestamps of the clock the text
# was processed by (the demo clock included), so the window does not depend on the cache's TTL.
def _key(phone: str) -> str:
    return f"sms-ack-wrong:{phone}"


def _recent(phone: str, now: dt.datetime) -> list[float]:
    try:
        stamps = cache.get(_key(phone)) or []
    except Exception:  # noqa: BLE001 - a dead cache must not stop a clinician's acknowledgement
        logger.warning("ACK rate limit: cache unavailable")
        return []
    since = (now - max(ACK_WRONG_WINDOW, ACK_LOCKOUT)).timestamp()
    return [t for t in stamps if since <= t <= now.timestamp()]


def ack_locked(*, phone: str, now: dt.datetime) -> bool:
    """Has ``phone`` sent ACK_WRONG_LIMIT wrong codes within a window, less than ACK_LOCKOUT ago?"""
    stamps = sorted(_recent(phone, now))
    window = ACK_WRONG_WINDOW.total_seconds()
    for i in range(len(stamps) - ACK_WRONG_LIMIT + 1):
        last = stamps[i + ACK_WRONG_LIMIT - 1]
        if last - stamps[i] <= window and now.timestamp() - last < ACK_LOCKOUT.total_seconds():
            return True
    return False


def _record_wrong(*, phone: str, now: dt.datetime) -> bool:
    """Count one wrong code; True when this one starts a lockout."""
    stamps = [*_recent(phone, now), now.timestamp()]
    try:
        cache.set(
            _key(phone), stamps, timeout=int((ACK_WRONG_WINDOW + ACK_LOCKOUT).total_seconds())
        )
    except Exception:  # noqa: BLE001
        logger.warning("ACK rate limit: cache unavailable")
        return False
    return ack_locked(phone=phone, now=now)
