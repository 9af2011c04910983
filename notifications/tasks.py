from celery import shared_task

from .outbox import outbox_send, outbox_send_many


@shared_task(name="notifications.tasks.send_outbound_task", ignore_result=True)
def send_outbound_task(message_id: int) -> str:
    return outbox_send(message_id=message_id)


@shared_task(name="notifications.tasks.send_bulk_outbound_task", ignore_result=True)
def send_bulk_outbound_task(message_ids: list[int] | int) -> list[str]:
    """Unsolicited rows, a chunk per task, on the "bulk" queue (settings.CELERY_TASK_ROUTES)."""
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    return outbox_send_many(message_ids=ids)
