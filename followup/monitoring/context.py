"""The banner on every staff page (``templates/base.html`` includes monitoring/_banner.html)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

logger = logging.getLogger(__name__)


_last_claim = {"at": 0.0}


def _banner(request: HttpRequest) -> list[dict]:
    """Three queries, the same on every page (the triage pages' query counts are tested): the
    heartbeat, the open incidents and the escalations no page reached, both scoped to the
    user's clinics by a subquery."""
    from patients.models import ClinicMembership

    from .alerts import (
        alert_open,
        alerts_open,
        escalations_unreachable,
        late_detail,
        sweep_state,
    )
    from .models import AlertKind

    try:
        state = sweep_state()
        if state["late"] and time.monotonic() - _last_claim["at"] >= settings.ALERT_CHECK_SECONDS:
            # This web process may be the first to notice: open the incident (and email) once.
            _last_claim["at"] = time.monotonic()
            alert_open(kind=AlertKind.SWEEP_LATE, detail=late_detail(state))
        scope = None
        if not request.user.is_superuser:
            scope = ClinicMembership.objects.filter(user=request.user, is_active=True).values(
                "clinic_id"
            )
        alerts = alerts_open(clinic_ids=scope)
        unreachable = escalations_unreachable(clinic_ids=scope)
    except Exception:  # noqa: BLE001 - a broken check must not take the staff pages down
        logger.exception("monitoring banner could not be computed")
        return [{"kind": "unknown", "text": "System health could not be checked."}]
    items = []
    if state["late"]:
        items.append({"kind": AlertKind.SWEEP_LATE, "text": _late_text(state)})
    for alert in alerts:
        if alert.kind == AlertKind.SWEEP_LATE:
            continue  # shown from the live state above
        where = f"{alert.clinic.name}: " if alert.clinic_id and alert.clinic else ""
        items.append({"kind": alert.kind, "text": f"{where}{alert.detail}"})
    for escalation in unreachable:
        items.append(
            {
                "kind": "page_undeliverable",
                "text": f"{escalation['tier']} escalation {escalation['code']}: no page reached "
                "anyone in the chain. Call the on-call clinician and fix the page numbers.",
                "url": f"/t/e/{escalation['pk']}/",
            }
        )
    return items


def _late_text(state: dict) -> str:
    if state["never_completed"]:
        return (
            "The follow-up sweep has never completed: checks, reminders and escalation "
            "re-pages are not going out. The clinic admins have been emailed."
        )
    minutes = max(round(state["age_seconds"] / 60), 1)
    return (
        f"The follow-up sweep is late (last completed {minutes} min ago): checks, reminders and "
        "escalation re-pages are not going out. The clinic admins have been emailed."
    )


def ops_banner(request: HttpRequest) -> dict:
    """Lazy: only pages that render the staff layout (signed-in staff) run the checks."""
    return {"ops_banner": SimpleLazyObject(lambda: _banner(request))}
