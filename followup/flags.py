"""The one way a red flag is created: the row and its ``flag_raised`` timeline event together.

Rules on answers, the free-text screener and the survey engine's unanswered red-flag question
all come here, so staff see every flag on the patient's timeline whichever path raised it.
Escalating it (who is paged) is the caller's next step (``escalation_raise``).
"""

from __future__ import annotations

import datetime as dt

from .models import Checkpoint, Enrollment, Flag
from .signals import flag_raised
from .timeline import timeline_add

# The patient's words kept as evidence; longer texts are cut (the full text is on the inbound row).
EVIDENCE_LIMIT = 2000


def flag_create(
    *,
    patient,
    enrollment: Enrollment | None,
    checkpoint: Checkpoint | None,
    rule_code: str,
    tier: str,
    reason: str,
    evidence: str,
    source: str,
    inbound_message_id: int | None,
    now: dt.datetime,
) -> Flag:
    """Create a flag and write its ``flag_raised`` timeline event."""
    flag = Flag.objects.create(
        patient=patient,
        enrollment=enrollment,
        checkpoint=checkpoint,
        rule_code=rule_code[:40],
        tier=tier,
        reason=reason[:200],
        evidence=evidence[:EVIDENCE_LIMIT],
        source=source[:200],
        inbound_message_id=inbound_message_id,
        created_at=now,
    )
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="flag_raised",
        # Words for staff: the rule code is in ``data`` (issue 18 item 8), not in the sentence.
        summary=f"{tier} flag: {reason}",
        data={"flag": flag.pk, "rule": rule_code, "tier": tier, "evidence": evidence[:300]},
        at=now,
    )
    flag_raised.send(sender=Flag, flag=flag)
    return flag
