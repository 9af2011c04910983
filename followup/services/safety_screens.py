"""Safety screens (issue 21 item 3), the service side: the flags a screen raises, and the sweep
step that raises an unanswered screen for nurse review. The database is the source of truth for
what is due (no Celery countdown); the conversation side is ``followup.conversation.safety_screen``.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction

from ..flags import flag_create
from ..models import Flag, SafetyScreenRequest, SafetyScreenStatus, Tier
from ..models.safety_screens import safety_screen_timeout as _timeout
from .escalations import escalation_raise

logger = logging.getLogger(__name__)

SAFETY_SCREEN = "SAFETY_SCREEN"  # rule code of the flags a screen raises when no symptom is named
_SOURCE = "issue 21: structured safety screen after an uncertain free text (DESIGN rule 5)"


def safety_screen_close(row: SafetyScreenRequest, status: str, now: dt.datetime) -> None:
    row.status = status
    row.closed_at = now
    row.save(update_fields=["status", "closed_at"])


def safety_screen_flag(
    row: SafetyScreenRequest,
    *,
    code: str,
    tier: str,
    reason: str,
    evidence: str,
    inbound,
    now: dt.datetime,
    escalate: bool = True,
) -> Flag:
    """Raise a flag for a safety screen's outcome and escalate it (pages follow the tier's chain).
    ``escalate=False`` leaves that to the caller, which raises several flags as one incident."""
    flag = flag_create(
        patient=row.patient,
        enrollment=row.enrollment,
        checkpoint=row.checkpoint,
        rule_code=code,
        tier=tier,
        reason=reason,
        evidence=evidence[:2000],
        source=_SOURCE,
        # No answer: the flag points at the text that prompted the screen.
        inbound_message_id=getattr(inbound, "pk", None) or row.inbound_message_id,
        now=now,
    )
    if escalate:
        escalation_raise(flag=flag, now=now)
    return flag


def safety_screens_overdue(*, now: dt.datetime) -> dict:
    """Sweep step: raise every open safety screen past its due time for nurse review (URGENT)."""
    raised = 0
    due = SafetyScreenRequest.objects.filter(status=SafetyScreenStatus.OPEN, due_at__lte=now)
    for pk in list(due.values_list("pk", flat=True)[:500]):
        with transaction.atomic():
            row = (
                SafetyScreenRequest.objects.select_for_update(of=("self",))
                .select_related("patient", "enrollment__clinic")
                .filter(pk=pk, status=SafetyScreenStatus.OPEN)
                .first()
            )
            if row is None:
                continue  # answered meanwhile
            review_by = now + _timeout()
            safety_screen_flag(
                row,
                code=SAFETY_SCREEN,
                tier=Tier.URGENT,
                reason=(
                    "Safety screen unanswered after "
                    f"{int(_timeout().total_seconds() // 60)} min: nurse review due by "
                    f"{review_by:%Y-%m-%d %H:%M} UTC"
                ),
                evidence="(no answer to the safety screen)",
                inbound=None,
                now=now,
            )
            safety_screen_close(row, SafetyScreenStatus.TIMED_OUT, now)
            raised += 1
    if raised:
        logger.info("safety screens raised for nurse review: %d", raised)
    return {"safety_screens_overdue": raised}
