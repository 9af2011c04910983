"""Workers notice too: after a task, a worker checks for a late sweep or failing sends (throttled
to once every ALERT_CHECK_SECONDS per process), so the email goes out even when nobody has a staff
page open."""

from __future__ import annotations

import logging

from celery.signals import task_postrun

logger = logging.getLogger(__name__)


@task_postrun.connect(weak=False)
def _notice_after_task(**kwargs) -> None:
    from .alerts import alerts_notice

    try:
        alerts_notice()
    except Exception:  # noqa: BLE001 - never fail or slow the worker over a check
        logger.exception("alert check after a task failed")
