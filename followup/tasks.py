from celery import shared_task

from .services.dispatch import dispatch_due


@shared_task(name="followup.tasks.dispatch_due_task", ignore_result=True)
def dispatch_due_task() -> dict:
    return dispatch_due()
