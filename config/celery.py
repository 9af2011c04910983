"""The Celery application. Workers: `celery -A config worker`; exactly one beat: `celery -A config beat`."""

import logging

from celery import Celery
from celery.signals import task_prerun, worker_init

from .entry import require_settings_module

require_settings_module()  # no default: see config/entry.py

app = Celery("followup")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


@task_prerun.connect
def _drop_broken_db_connections(**kwargs) -> None:
    """As Django does at the start of a request: forget a connection that failed or outlived
    CONN_MAX_AGE, and health-check a kept one on its first use (CELERY_DB_REUSE_MAX keeps them)."""
    from django.db import close_old_connections

    close_old_connections()


@worker_init.connect
def _preload_sms_backend(**kwargs) -> None:
    """In the worker's main process, before the pool forks: the children inherit the SMS SDK
    instead of each importing it while its first page waits."""
    from notifications.backends import sms_backend_preload

    try:
        sms_backend_preload()
    except Exception:  # noqa: BLE001 - only a head start: the first send reports a broken backend
        logger.exception("SMS backend could not be preloaded; it will be loaded on first send")
