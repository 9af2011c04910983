"""Prometheus metrics (``/metrics``), computed from rows at scrape time.

Gauges that describe the system (sweep lag, queue depths, outbox, inbound lag, pages and
acknowledgements, send failures) are read from PostgreSQL and Redis by a custom collector when
Prometheus scrapes, so every web process answers the same figures and nothing has to be kept in
step across gunicorn workers. The webhook latency is the one figure measured in the request path
(:mod:`followup.monitoring.middleware`): a histogram per process, or across processes when
``PROMETHEUS_MULTIPROC_DIR`` is set (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from notifications.health import (
    inbound_oldest_unprocessed,
    outbox_counts_by_status,
    outbox_oldest_by_status,
    send_failures_by_code,
)

from ..models import Escalation, Page
from .alerts import sweep_state
from .models import OpsAlert

logger = logging.getLogger(__name__)

WEBHOOK_LATENCY = Histogram(
    "followup_webhook_latency_seconds",
    "Time to answer a Twilio webhook, in this process",
    ["path"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def _seconds_since(now: dt.datetime, then: dt.datetime | None) -> float:
    return max((now - then).total_seconds(), 0.0) if then else 0.0


def queue_depths() -> dict[str, int | None]:
    """LLEN of each Celery queue in the broker (None when Redis cannot be reached)."""
    import redis

    queues = list(settings.CELERY_TASK_QUEUES)
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_timeout=1.0, socket_connect_timeout=1.0
        )
        with client.pipeline(transaction=False) as pipe:
            for queue in queues:
                pipe.llen(queue)
            lengths = pipe.execute()
        client.close()
    except Exception as exc:  # noqa: BLE001 - a dead broker is a metric, not an error page
        logger.warning("metrics: queue depths unavailable (%s)", type(exc).__name__)
        return {queue: None for queue in queues}
    return dict(zip(queues, lengths, strict=True))


class FollowupCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        state = sweep_state()
        yield _gauge(
            "followup_sweep_lag_seconds",
            "Seconds since the last completed sweep",
            state["age_seconds"] if state["completed_at"] else -1,
        )
        yield _gauge(
            "followup_sweep_duration_seconds",
            "Duration of the last sweep",
            state["duration_seconds"] or 0.0,
        )
        yield _gauge("followup_sweep_late", "1 when the sweep is late", int(state["late"]))

        depth = GaugeMetricFamily(
            "followup_queue_depth",
            "Tasks waiting in each Celery queue (-1: broker down)",
            labels=["queue"],
        )
        for queue, length in queue_depths().items():
            depth.add_metric([queue], -1 if length is None else length)
        yield depth

        counts = GaugeMetricFamily(
            "followup_outbox_messages", "Outbox rows by status", labels=["status"]
        )
        for status, n in outbox_counts_by_status().items():
            counts.add_metric([status], n)
        yield counts
        age = GaugeMetricFamily(
            "followup_outbox_oldest_age_seconds",
            "Age of the oldest unfinished outbox row by status",
            labels=["status"],
        )
        for status, oldest in outbox_oldest_by_status(
            statuses=["pending", "sending", "unknown"]
        ).items():
            age.add_metric([status], _seconds_since(now, oldest))
        yield age

        yield _gauge(
            "followup_inbound_lag_seconds",
            "Age of the oldest stored text not yet processed",
            _seconds_since(now, inbound_oldest_unprocessed()),
        )

        window = settings.SEND_FAILURE_WINDOW_SECONDS
        failures = GaugeMetricFamily(
            "followup_send_failures",
            f"Sends that failed in the last {window} s, by provider error code",
            labels=["code"],
        )
        for code, n in send_failures_by_code(since=now - dt.timedelta(seconds=window)).items():
            failures.add_metric([code or "none"], n)
        yield failures

        yield from _page_metrics(now)
        alerts = GaugeMetricFamily(
            "followup_alerts_open", "Open incidents by kind", labels=["kind"]
        )
        for row in (
            OpsAlert.objects.filter(resolved_at__isnull=True).values("kind").annotate(n=Count("id"))
        ):
            alerts.add_metric([row["kind"]], row["n"])
        yield alerts


def _page_metrics(now: dt.datetime) -> Iterator[GaugeMetricFamily]:
    since = now - dt.timedelta(hours=24)
    pages = GaugeMetricFamily(
        "followup_pages_24h", "Clinician pages in the last 24 h by outcome", labels=["outcome"]
    )
    recent = Page.objects.filter(created_at__gte=since)
    totals = recent.aggregate(
        sent=Count("id"), failed=Count("id", filter=Q(failed_at__isnull=False))
    )
    pages.add_metric(["sent"], totals["sent"])
    pages.add_metric(["failed"], totals["failed"])
    yield pages
    escalations = Escalation.objects.filter(created_at__gte=since)
    acked = GaugeMetricFamily(
        "followup_escalations_24h",
        "Escalations opened in the last 24 h, by tier and whether acknowledged",
        labels=["tier", "acknowledged"],
    )
    tta = GaugeMetricFamily(
        "followup_time_to_acknowledge_seconds",
        "Mean time from escalation to acknowledgement, last 24 h, by tier",
        labels=["tier"],
    )
    rows = (
        escalations.order_by()
        .values("tier")
        .annotate(
            total=Count("id"),
            acked=Count("id", filter=Q(acknowledged_at__isnull=False)),
            mean=Avg(F("acknowledged_at") - F("created_at")),
        )
    )
    for row in rows:
        acked.add_metric([row["tier"], "yes"], row["acked"])
        acked.add_metric([row["tier"], "no"], row["total"] - row["acked"])
        mean = row["mean"]
        if mean is not None:
            tta.add_metric([row["tier"]], mean.total_seconds())
    yield acked
    yield tta


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, value=value)


def metrics_text() -> bytes:
    """The exposition: the row-based figures and this process's (or every process's) histograms."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FollowupCollector())
    text = generate_latest(registry)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        shared = CollectorRegistry()
        multiprocess.MultiProcessCollector(shared)
        return text + generate_latest(shared)
    from prometheus_client import REGISTRY

    return text + generate_latest(REGISTRY)
