"""Handing outbox rows to the broker without making anyone wait for it.

A committed outbox row is already safe: the sweep re-queues every due row each minute. Publishing
its send task right after commit only makes the message go out sooner, so it must never cost the
caller anything. A web request (Twilio's webhook above all: Twilio gives up after 15 s and the
patient may be waiting for a safety instruction) would otherwise pay Redis's connect timeout plus
the client's retries, about 2 s per message, while Redis is down or unreachable.

So the publish happens on a background thread of the same process. After a broker failure the
thread stops trying for ``pause_seconds`` and simply drops the ids it is given: they are in the
database and the next sweep queues them. One thread per process, started lazily and again after
a fork (Celery's prefork children, gunicorn workers), because threads do not survive ``fork()``.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

_STOP = object()


class BrokerPublisher:
    """Publishes message ids from a daemon thread; drops them while the broker is known down."""

    def __init__(
        self,
        publish: Callable,
        *,
        pause_seconds: float = 5.0,
        batch: int = 1,
        linger_seconds: float = 0.0,
    ) -> None:
        # With ``batch`` > 1, ``publish`` takes a list: the ids waiting when the thread wakes,
        # up to ``batch`` of them (one task instead of many when requests arrive together), and
        # any that arrive within ``linger_seconds`` of the first. A publish costs the process
        # about 0.35 ms of CPU whatever the list's length, and near 1 ms under load, when the
        # thread and the requests take the GIL from each other: waiting a few ms for company
        # divides that by the list's length.
        self._publish = publish
        self._pause_seconds = pause_seconds
        self._batch = batch
        self._linger_seconds = linger_seconds
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._paused_until = 0.0
        self.published = 0
        self.dropped = 0

    def submit(self, message_id: int) -> None:
        """Queue ``message_id`` for publishing and return at once."""
        self._ensure_thread().put(message_id)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far was published or dropped; False on timeout."""
        with self._lock:
            pending = self._queue if self._pid == os.getpid() else None
        if pending is None:
            return True
        deadline = time.monotonic() + timeout
        while pending.unfinished_tasks:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
        return True

    def _ensure_thread(self) -> queue.Queue:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if self._pid != os.getpid() or not alive:
                # A forked child inherits the parent's objects but not its thread: start afresh
                # (ids the parent had not published yet are the parent's, or the sweep's, to send).
                self._pid = os.getpid()
                self._queue = queue.Queue()
                self._thread = threading.Thread(
                    target=self._run, args=(self._queue,), name="outbox-publisher", daemon=True
                )
                self._thread.start()
            return self._queue

    def _run(self, ids: queue.Queue) -> None:
        while True:
            taken = [ids.get()]
            if self._batch > 1 and taken[0] is not _STOP:
                # One sleep, then take what arrived: waking for every id as it came cost the
                # process more CPU than publishing them (a GIL hand-off per web request).
                if self._linger_seconds and ids.qsize() < self._batch - 1:
                    time.sleep(self._linger_seconds)
                while len(taken) < self._batch and taken[-1] is not _STOP:
                    try:
                        taken.append(ids.get_nowait())
                    except queue.Empty:
                        break
            try:
                items = [item for item in taken if item is not _STOP]
                if items and self._batch > 1:
                    self._publish_one(items, count=len(items))
                elif items:
                    self._publish_one(items[0])
                if len(items) < len(taken):
                    return
            finally:
                for _ in taken:
                    ids.task_done()

    def _publish_one(self, message_id, *, count: int = 1) -> None:
        if time.monotonic() < self._paused_until:
            self.dropped += count
            return
        try:
            self._publish(message_id)
        except Exception as exc:  # noqa: BLE001 - any broker error: the sweep re-queues the row
            self._paused_until = time.monotonic() + self._pause_seconds
            self.dropped += count
            logger.warning(
                "outbox: broker unavailable (%s); not publishing for %ss, the sweep will queue "
                "message %s",
                type(exc).__name__,
                self._pause_seconds,
                message_id,
            )
        else:
            self.published += count


# Routine texts only (numbers, plain "no"s). Bigger tasks would cost the web tier less (under
# load, tasks of 10 made publishing 14 % of its CPU, tasks of 30-50 4 %), but a worker process
# finishes its task of routine texts (~5 ms each) before it takes a red flag's: with tasks of
# 20 a page waited 0.28 s (p99) during the burst, with 50 0.37 s, with 10 0.12-0.19 s
# (docs/benchmarks.md, 17). The pages win.
INBOUND_PUBLISH_LINGER_SECONDS = 0.01
INBOUND_PUBLISH_BATCH = 10


def task_by_name(name: str):
    """The Celery task registered as ``name``.

    Every task of the project is declared with an explicit ``name=`` equal to its dotted path
    (queued messages carry the name, so it must survive a refactor anyway). Resolving it when
    publishing, rather than importing the task module, keeps the arrow one way: the tasks call
    the outbox and the inbound store, which hand ids to these publishers, which reach the tasks
    only by name, as Celery's own ``send_task`` does.
    """
    return import_string(name)


SEND_TASK = "notifications.tasks.send_outbound_task"
BULK_SEND_TASK = "notifications.tasks.send_bulk_outbound_task"
INBOUND_TASK = "notifications.tasks.process_inbound_task"


def publish_send_task(message_id: int) -> None:
    task_by_name(SEND_TASK).delay(message_id)


# Conversation replies (the next question, keyword answers, the reply to an unknown number):
# a morning burst makes thousands of them, which on ``celery`` would queue ahead of its pages.
REPLY_QUEUE = "replies"


def publish_reply_send_task(message_id: int) -> None:
    task_by_name(SEND_TASK).apply_async(args=(message_id,), queue=REPLY_QUEUE)


def publish_bulk_send_task(message_ids: list[int]) -> None:
    task_by_name(BULK_SEND_TASK).delay(message_ids)


def publish_inbound_task(inbound_ids: list[int]) -> None:
    task_by_name(INBOUND_TASK).delay(inbound_ids)


# Texts that might carry a red flag skip the ``inbound`` queue, where a morning burst of
# "no"s and pain scores can stand thousands deep, for the queue that carries pages.
URGENT_INBOUND_QUEUE = "celery"


def publish_urgent_inbound_task(inbound_ids: list[int]) -> None:
    task_by_name(INBOUND_TASK).apply_async(args=(inbound_ids,), queue=URGENT_INBOUND_QUEUE)


publisher = BrokerPublisher(publish_send_task)
reply_publisher = BrokerPublisher(publish_reply_send_task)
# Stored webhook texts waiting for a worker (notifications.inbound): the sweep is their fallback.
# A text waits at most INBOUND_PUBLISH_LINGER_SECONDS for others to share its task.
inbound_publisher = BrokerPublisher(
    publish_inbound_task,
    batch=INBOUND_PUBLISH_BATCH,
    linger_seconds=INBOUND_PUBLISH_LINGER_SECONDS,
)
# Stored webhook texts that are not a plain "no" or number (notifications.inbound.inbound_lane):
# at once, with no linger: only those that arrived while the thread was busy share a task.
inbound_urgent_publisher = BrokerPublisher(publish_urgent_inbound_task, batch=10)
# Unsolicited texts: their own thread and queue, so thousands of them never delay a page.
bulk_publisher = BrokerPublisher(publish_bulk_send_task)
# A short-lived process (manage.py dispatch_due) gets its ids out before it exits.
atexit.register(publisher.flush, 5.0)
atexit.register(reply_publisher.flush, 5.0)
atexit.register(bulk_publisher.flush, 5.0)
atexit.register(inbound_publisher.flush, 5.0)
atexit.register(inbound_urgent_publisher.flush, 5.0)
