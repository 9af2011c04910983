from __future__ import annotations

import logging

from celery import shared_task

from .writeback.service import writeback_sweep

logger = logging.getLogger(__name__)


@shared_task
def writeback_sweep_task() -> dict[str, int]:
    """Beat: queue and deliver results to the EHRs of clinics with write-back on."""
    summary = writeback_sweep()
    logger.info("write-back sweep: %s", summary)
    return summary
