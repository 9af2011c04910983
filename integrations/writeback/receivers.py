"""Receivers of ``followup.signals``: queue write-back rows in the sender's transaction.

Connected in ``IntegrationsConfig.ready``. They only INSERT outbox rows (no network I/O): the
beat task delivers them after commit, so a rolled-back completion or flag leaves nothing to send.
"""

from __future__ import annotations

from followup.models import Checkpoint, Flag

from .queue import writeback_queue_result


def on_check_completed(sender, *, checkpoint: Checkpoint, **kwargs) -> None:
    writeback_queue_result(
        clinic_id=checkpoint.enrollment.clinic_id,
        checkpoint_id=checkpoint.pk,
        at=checkpoint.completed_at,
    )


def on_flag_raised(sender, *, flag: Flag, **kwargs) -> None:
    writeback_queue_result(clinic_id=flag.patient.clinic_id, flag_id=flag.pk, at=flag.created_at)
