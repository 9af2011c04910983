"""Which diary an enrolment starts (called inside ``enrollment_create``'s transaction).

A diagnostic block (FACET_SI: medial branch or SI joint block; NERVE_BLOCK) given with a block time
and an anaesthetic gets the block pain diary; an SCS enrolment given a trial length gets the daily
trial diary from the procedure date. Nothing is scheduled without those optional fields: the
tracker cannot guess when a block was done or whether an SCS procedure was the trial.
"""

from __future__ import annotations

import datetime as dt

from ..models import DiaryEntry, Enrollment
from .services import diary_block_schedule, diary_scs_schedule

BLOCK_PROCEDURES = ("FACET_SI", "NERVE_BLOCK")
TRIAL_PROCEDURES = ("SCS",)


def diary_fields_error(
    *, procedure: str, block_at: dt.datetime | None, anaesthetic: str, trial_days: int | None
) -> dict[str, str]:
    """Field -> message for diary fields that do not fit the procedure (empty when they fit)."""
    errors: dict[str, str] = {}
    if (block_at is None) != (not anaesthetic):
        errors["diary.block_at" if block_at is None else "diary.anaesthetic"] = (
            "A block diary needs both the block time and the anaesthetic."
        )
    if block_at is not None and procedure not in BLOCK_PROCEDURES:
        errors["diary.block_at"] = (
            f"A block diary is for diagnostic blocks ({', '.join(BLOCK_PROCEDURES)})."
        )
    if trial_days is not None and procedure not in TRIAL_PROCEDURES:
        errors["diary.trial_days"] = "A trial diary is for stimulator trials (SCS)."
    return errors


def diary_schedule_at_enrolment(
    *,
    enrollment: Enrollment,
    block_at: dt.datetime | None = None,
    anaesthetic: str = "",
    trial_days: int | None = None,
) -> list[DiaryEntry]:
    """Write the diary prompts the enrolment's optional diary fields ask for."""
    if block_at is not None and anaesthetic:
        return diary_block_schedule(
            enrollment=enrollment, block_at=block_at, anaesthetic_name=anaesthetic
        )
    if trial_days is not None:
        return diary_scs_schedule(
            enrollment=enrollment, trial_start=enrollment.performed_on, trial_days=trial_days
        )
    return []
