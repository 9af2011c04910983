"""Celery task names are part of the wire format: a message queued before a deploy names its task,
so moving code must not rename one (every task has an explicit ``name=``)."""

from __future__ import annotations

from config.celery import app

STABLE_NAMES = {
    "followup.tasks.dispatch_due_task",
    "followup.tasks.refresh_cohort_figures_task",
    "followup.monitoring.tasks.oncall_coverage_check_task",
    "notifications.tasks.send_outbound_task",
    "notifications.tasks.send_bulk_outbound_task",
    "notifications.tasks.process_inbound_task",
}


def test_the_project_tasks_keep_their_names():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if name.split(".")[0] in {"followup", "notifications"}}
    assert ours == STABLE_NAMES
