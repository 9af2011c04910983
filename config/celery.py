"""The Celery application. Workers: `celery -A config worker`; exactly one beat: `celery -A config beat`."""

import os

from celery import Celery
from celery.signals import task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("followup")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _drop_broken_db_connections(**kwargs) -> None:
    """As Django does at the start of a request: forget a connection that failed or outlived
    CONN_MAX_AGE, and health-check a kept one on its first use (CELERY_DB_REUSE_MAX keeps them)."""
    from django.db import close_old_connections

    close_old_connections()
