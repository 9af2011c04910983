from celery import shared_task

from .inbound import inbound_process_in_order
from .outbox import outbox_send, outbox_send_many


@shared_task(name="notifications.tasks.send_outbound_task", ignore_result=True)
def send_outbound_task(message_id: int) -> str:
    return outbox_send(message_id=message_id)


@shared_task(name="notifications.tasks.send_bulk_outbound_task", ignore_result=True)
def send_bulk_outbound_task(message_ids: list[int] | int) -> list[str]:
    """Unsolicited rows, a chunk per task, on the "bulk" queue (settings.CELERY_TASK_ROUTES)."""
    ids = [message_ids] if isinstance(message_ids, int) else list(message_ids)
    return outbox_send_many(message_ids=ids)


@shared_task(name="notifications.tasks.process_inbound_task", ignore_result=True)
def process_inbound_task(inbound_ids: list[int] | int) -> None:
    """Texts the webhook stored (the ones that arrived together): process each once, after any
    earlier ones from the same number."""
    for inbound_id in [inbound_ids] if isinstance(inbound_ids, int) else inbound_ids:
        inbound_process_in_order(inbound_id=inbound_id)
