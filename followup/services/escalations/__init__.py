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

from .chains import DEFAULT_CHAINS, chain_problems, chain_start, chain_steps
from .lifecycle import (
    escalation_acknowledge,
    escalation_assign,
    escalation_raise,
    escalation_raise_incident,
    escalation_resolve,
)
from .pages import (
    escalation_link,
    escalation_page_failed,
    on_outbound_failed,
    page_email,
    page_sms_text,
)
from .roster import clinic_in_business_hours, on_call
from .sms_ack import clinician_memberships_for_phone, escalation_ack_by_sms
from .sweep import escalations_repage_due

__all__ = [
    "DEFAULT_CHAINS",
    "chain_problems",
    "chain_start",
    "chain_steps",
    "clinic_in_business_hours",
    "clinician_memberships_for_phone",
    "escalation_ack_by_sms",
    "escalation_acknowledge",
    "escalation_assign",
    "escalation_link",
    "escalation_page_failed",
    "escalation_raise",
    "escalation_raise_incident",
    "escalation_resolve",
    "escalations_repage_due",
    "on_call",
    "on_outbound_failed",
    "page_email",
    "page_sms_text",
]
