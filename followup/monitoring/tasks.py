from celery import shared_task

from .roster import oncall_coverage_check


@shared_task(name="followup.monitoring.tasks.oncall_coverage_check_task", ignore_result=True)
def oncall_coverage_check_task() -> dict:
    """Every clinic has someone on call for EMERGENCY and URGENT over the next 24 h (beat)."""
    return oncall_coverage_check()
