"""Loading shipped protocols and publishing new versions."""

from __future__ import annotations

import logging

from django.db import transaction

from patients.audit import audit_record
from patients.models import AuditAction

from .models import Protocol
from .protocol_guard import ProtocolWeakened, protocol_diff, protocol_weakenings

__all__ = ["ProtocolWeakened", "protocol_current", "protocol_publish", "protocols_sync"]

logger = logging.getLogger(__name__)


def protocol_current(*, code: str) -> Protocol | None:
    return Protocol.objects.filter(code=code, is_current=True).first()


@transaction.atomic
def protocol_publish(
    *,
    code: str,
    definition: dict,
    user=None,
    change_note: str = "",
    override_reason: str = "",
    request=None,
    audit: bool = True,
) -> Protocol:
    """Make ``definition`` the current version of ``code``.

    Always a new row: enrollments pin the version they started with, so an edit must never change
    the schedule or the red-flag rules of patients already in follow-up. Lowering or removing a
    shipped EMERGENCY/URGENT rule raises :class:`ProtocolWeakened` unless ``override_reason`` says
    why; the publish is audited with a diff (``audit=False`` only for the shipped sync at
    migrate, whose changes are the release's own, reviewed in version control).
    """
    from .protocol_data import validate_protocol

    problems = validate_protocol(definition)
    if problems:
        raise ValueError("Invalid protocol: " + "; ".join(problems))
    weakened = protocol_weakenings(code=code, definition=definition)
    override_reason = override_reason.strip()
    if weakened and not override_reason:
        raise ProtocolWeakened(weakened)
    if weakened:
        change_note = f"{change_note} [override: {override_reason}]".strip()[:300]
    # Lock the current row so two admins publishing at once get consecutive versions.
    current = Protocol.objects.select_for_update().filter(code=code, is_current=True).first()
    latest = Protocol.objects.filter(code=code).order_by("-version").first()
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    new = Protocol.objects.create(
        code=code,
        version=(latest.version + 1) if latest else 1,
        name=definition.get("name", code),
        definition=definition,
        is_current=True,
        created_by=user,
        change_note=change_note,
    )
    if audit:
        audit_record(
            action=AuditAction.CREATE,
            request=request,
            user=user,
            obj=new,
            detail={
                "protocol": code,
                "version": new.version,
                "previous_version": current.version if current else None,
                "diff": protocol_diff(old=current.definition if current else None, new=definition),
                "weakened": weakened,
                "override_reason": override_reason[:200] if weakened else "",
            },
        )
    return new


def protocols_sync(*, verbosity: int = 1) -> list[str]:
    """Load every shipped protocol; publish a new version where the shipped definition changed."""
    from .protocol_data import PROTOCOLS

    changed = []
    for code, definition in PROTOCOLS.items():
        current = protocol_current(code=code)
        if current is not None and current.definition == definition:
            continue
        # A clinic's own edit (published through the admin) is never overwritten by shipped data.
        if current is not None and current.change_note != "shipped":
            continue
        protocol_publish(code=code, definition=definition, change_note="shipped", audit=False)
        changed.append(code)
    if changed and verbosity:
        logger.info("protocols: published %s", ", ".join(changed))
    return changed


def protocols_sync_on_migrate(sender, **kwargs) -> None:
    protocols_sync(verbosity=kwargs.get("verbosity", 1))
