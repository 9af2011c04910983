from celery import shared_task

from .dispatch import dispatch_due
from .monitoring.sweep_run import sweep_run_recorded
from .selectors.outcomes.cached import cohort_figures_refresh


@shared_task(name="followup.tasks.dispatch_due_task", ignore_result=True)
def dispatch_due_task() -> dict:
    # Records the heartbeat (followup/monitoring/heartbeat.py): the dead-man's switch.
    return sweep_run_recorded(dispatch_due)


@shared_task(name="followup.tasks.refresh_cohort_figures_task", ignore_result=True)
def refresh_cohort_figures_task(scope: dict) -> None:
    """Compute the cohort dashboard's figures for ``scope`` (followup.selectors.outcomes.cached)."""
    cohort_figures_refresh(scope)
