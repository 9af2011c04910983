from celery import shared_task

from .outbox import outbox_send


@shared_task(name="notifications.tasks.send_outbound_task", ignore_result=True)
def send_outbound_task(message_id: int) -> str:
    return outbox_send(message_id=message_id)
