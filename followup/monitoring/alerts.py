"""What is wrong right now, and telling people once per incident.

Facts come from rows: the sweep's heartbeat, the outbox (notifications.health) and the rosters.
An incident is an :class:`OpsAlert` row; the partial unique constraint on open rows is the claim,
so whichever process notices first (a web request, the readiness probe, a worker after a task, the
sweep itself) inserts it and sends the email, and every other process finds it there.

The emails go straight through Django's email backend, not the outbox: the outbox is sent by the
workers the sweep feeds, which may be exactly what is down.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from notifications.health import ACCOUNT_ERROR_CODES, send_failures_by_code, sends_succeeded
from patients.models import Clinic, ClinicMembership, Role

from .heartbeat import SWEEP, heartbeat_last, wall_now
from .models import AlertKind, OpsAlert

logger = logging.getLogger(__name__)

_SEND_KINDS = (AlertKind.SENDS_BLOCKED, AlertKind.SENDS_FAILING)


# --- facts -----------------------------------------------------------------------------------------
def sweep_state(*, now: dt.datetime | None = None) -> dict:
    """The last completed sweep's age and whether it counts as late (``SWEEP_LATE_AFTER_SECONDS``).

    With no heartbeat at all, the sweep is late once the oldest clinic is older than the
    threshold: a beat never started after a deploy is the same failure as a dead one.
    """
    now = now or wall_now()
    threshold = settings.SWEEP_LATE_AFTER_SECONDS
    beat = heartbeat_last(name=SWEEP)
    completed = beat.completed_at if beat else None
    if completed is None:
        first = Clinic.objects.order_by("created_at").values_list("created_at", flat=True).first()
        since = first
    else:
        since = completed
    age = (now - since).total_seconds() if since else None
    return {
        "completed_at": completed,
        "age_seconds": None if completed is None else round(max(age, 0.0), 1),
        "threshold_seconds": threshold,
        "late": age is not None and age > threshold,
        "never_completed": completed is None,
        "last_ok": bool(beat and beat.ok),
        "last_error": beat.error if beat else "",
        "duration_seconds": beat.duration_seconds if beat else None,
    }


def send_trouble(*, now: dt.datetime | None = None) -> dict[str, str]:
    """Send alerts that hold now: {kind: detail}. Counts and error codes only."""
    now = now or timezone.now()
    window = settings.SEND_FAILURE_WINDOW_SECONDS
    since = now - dt.timedelta(seconds=window)
    failures = send_failures_by_code(since=since)
    found: dict[str, str] = {}
    account = {code: n for code, n in failures.items() if code in ACCOUNT_ERROR_CODES}
    if account:
        codes = ", ".join(f"{code} ({n})" for code, n in sorted(account.items()))
        found[AlertKind.SENDS_BLOCKED] = (
            f"Twilio refused to send for the account or sender: error {codes} in the last "
            f"{window // 60} min. Check the Twilio account, credentials and sender number."
        )
    total = sum(failures.values())
    if total >= settings.SEND_FAILURE_MIN_COUNT and sends_succeeded(since=since) == 0:
        found[AlertKind.SENDS_FAILING] = (
            f"Every send failed in the last {window // 60} min ({total} failures, none sent)."
        )
    return found


def escalations_unreachable(*, clinic_ids: Iterable[int] | QuerySet | None = None) -> list[dict]:
    """Open escalations that paged people and whose every page failed: nobody has heard of them.
    (escalation_page_failed already moves the chain on and pages the fallback; this keeps them in
    front of every staff member until someone owns one.) Codes and tiers only, no PHI."""
    from django.db.models import Count, Q

    from ..models import Escalation, EscalationStatus

    rows = Escalation.objects.filter(status=EscalationStatus.OPEN)
    if clinic_ids is not None:
        rows = rows.filter(clinic_id__in=clinic_ids)
    # As escalation_page_failed counts it: SMS is the page; email counts only with no SMS at all.
    failed = Q(pages__failed_at__isnull=False)
    sms = Q(pages__channel="sms")
    rows = (
        rows.annotate(
            paged=Count("pages"),
            undelivered=Count("pages", filter=failed),
            sms_paged=Count("pages", filter=sms),
            sms_undelivered=Count("pages", filter=sms & failed),
        )
        .filter(
            Q(sms_paged__gt=0, sms_paged=F("sms_undelivered"))
            | Q(sms_paged=0, paged__gt=0, paged=F("undelivered"))
        )
        .order_by("created_at")
        .values("pk", "code", "tier")[:20]
    )
    return list(rows)


# --- incidents -------------------------------------------------------------------------------------
def alert_open(
    *, kind: str, detail: str, scope: str = "", clinic: Clinic | None = None
) -> OpsAlert | None:
    """Open the incident if none is open; return it when *this* call opened it (and emailed).
    When it was open already and its email could not be sent before, this call retries it."""
    try:
        with transaction.atomic():
            alert = OpsAlert.objects.create(
                kind=kind, scope=scope, clinic=clinic, detail=detail[:300], opened_at=timezone.now()
            )
    except IntegrityError:
        # Another process noticed first and sent the email, unless the mail server refused it.
        unsent = OpsAlert.objects.filter(
            kind=kind, scope=scope, resolved_at__isnull=True, emailed_at__isnull=True
        ).first()
        if unsent is not None:
            alert_email(unsent)
        return None
    logger.warning("alert opened: %s %s", kind, scope or "-")
    alert.emailed = alert_email(alert)
    return alert


def alert_resolve(*, kind: str, scope: str | None = None) -> int:
    rows = OpsAlert.objects.filter(kind=kind, resolved_at__isnull=True)
    if scope is not None:
        rows = rows.filter(scope=scope)
    resolved = rows.update(resolved_at=timezone.now())
    if resolved:
        logger.info("alert resolved: %s %s", kind, scope or "-")
    return resolved


def alerts_open(*, clinic_ids: Iterable[int] | QuerySet | None = None) -> list[OpsAlert]:
    """Open incidents: the installation's, and those of the given clinics (ids or a subquery)."""
    rows = OpsAlert.objects.filter(resolved_at__isnull=True)
    if clinic_ids is not None:
        rows = rows.filter(Q(clinic__isnull=True) | Q(clinic_id__in=clinic_ids))
    return list(rows.select_related("clinic").order_by("opened_at"))


def _recipients(clinic: Clinic | None) -> list[str]:
    admins = ClinicMembership.objects.filter(
        role=Role.CLINIC_ADMIN, is_active=True, user__is_active=True
    ).select_related("user")
    if clinic is not None:
        admins = admins.filter(clinic=clinic)
    emails = {m.page_email or m.user.email for m in admins}
    emails |= {email for _name, email in getattr(settings, "ADMINS", [])}
    return sorted(e for e in emails if e)


def alert_email(alert: OpsAlert) -> int:
    """Email the incident to its admins; returns how many. Claimed by a conditional UPDATE of
    ``emailed_at`` so two processes never both send it; put back when the send fails, so a
    later check tries again."""
    now = timezone.now()
    claimed = OpsAlert.objects.filter(pk=alert.pk).filter(
        Q(emailed_at__isnull=True) | Q(emailed_at__lt=now - dt.timedelta(hours=24))
    )
    if not claimed.update(emailed_at=now):
        return 0
    recipients = _recipients(alert.clinic)
    if not recipients:
        logger.error("alert %s: no clinic admin with an email address to tell", alert.kind)
        return 0
    where = f" ({alert.clinic.name})" if alert.clinic else ""
    body = (
        f"{alert.get_kind_display()}{where}\n\n{alert.detail}\n\n"
        f"Opened {alert.opened_at:%Y-%m-%d %H:%M} UTC. Staff pages show a banner until it is "
        f"resolved. Runbook: docs/operations.md.\n{settings.PUBLIC_BASE_URL}/health/ready"
    )
    try:
        send_mail(
            subject=f"[Spine follow-up] {alert.get_kind_display()}{where}",
            message=body,
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:  # noqa: BLE001 - a broken mail server is logged; the banner still shows
        logger.exception("alert %s: email could not be sent; will retry", alert.kind)
        OpsAlert.objects.filter(pk=alert.pk, emailed_at=now).update(emailed_at=None)
        return 0
    OpsAlert.objects.filter(pk=alert.pk).update(emailed=F("emailed") + len(recipients))
    return len(recipients)


# --- who notices -------------------------------------------------------------------------------------
_last_notice = {"at": 0.0}


def alerts_throttle_reset() -> None:
    """Let the next :func:`alerts_notice` of this process check at once (tests; a shell)."""
    _last_notice["at"] = 0.0


def alerts_notice(*, now: dt.datetime | None = None, force: bool = False) -> dict:
    """Check the installation-wide conditions and open or resolve their incidents.

    Called from web requests (staff pages, the readiness probe) and after worker tasks, at most
    every ``ALERT_CHECK_SECONDS`` per process: a handful of indexed queries.
    """
    if not force and time.monotonic() - _last_notice["at"] < settings.ALERT_CHECK_SECONDS:
        return {}
    _last_notice["at"] = time.monotonic()
    now = now or timezone.now()
    state = sweep_state()  # real time, as the heartbeat records it
    if state["late"]:
        alert_open(kind=AlertKind.SWEEP_LATE, detail=late_detail(state))
    sends_checked = _sends_notice(now=now)
    return {"sweep": state, "sends": sends_checked}


def alerts_after_sweep(*, now: dt.datetime | None = None) -> None:
    """A sweep just completed: the sweep-late incident ends; send conditions are re-checked."""
    alert_resolve(kind=AlertKind.SWEEP_LATE)
    _sends_notice(now=now or timezone.now())


def _sends_notice(*, now: dt.datetime) -> dict[str, str]:
    trouble = send_trouble(now=now)
    for kind in _SEND_KINDS:
        if kind in trouble:
            alert_open(kind=kind, detail=trouble[kind])
        else:
            alert_resolve(kind=kind)
    return trouble


def late_detail(state: dict) -> str:
    if state["never_completed"]:
        return (
            "No sweep has completed since the system was set up: checks, reminders, re-pages "
            "and retries are not going out. Is the Celery beat running?"
        )
    minutes = round(state["age_seconds"] / 60)
    return (
        f"The last sweep completed {minutes} min ago (expected every "
        f"{settings.SWEEP_INTERVAL_SECONDS:g} s): checks, reminders, escalation re-pages and "
        f"retries are not going out. Check the Celery beat and the sweep queue's worker."
    )
