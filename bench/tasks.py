"""Baseline Celery tasks: a no-op (counted in Redis) and one SMS with no database."""

from __future__ import annotations

import redis
from celery import shared_task
from django.conf import settings

_client: redis.Redis | None = None


def counter() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL)
    return _client


@shared_task(name="bench.tasks.noop_task", ignore_result=True)
def noop_task() -> None:
    # Counted, or nobody could tell when the last one ran; one INCR is ~50 µs.
    counter().incr("bench:noop")


@shared_task(name="bench.tasks.ping_sms_task", ignore_result=True)
def ping_sms_task(to: str, body: str) -> None:
    from notifications.backends import get_sms_backend

    get_sms_backend().send(to=to, body=body)
