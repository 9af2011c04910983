"""The cohort dashboard's figures, kept for a few minutes.

Every figure on the dashboard is an aggregate over the whole visible cohort: with 50,000
enrollments and a million answers that is about two seconds of database time on a small server
(docs/benchmarks.md), and the answer changes by a handful of surveys a minute. So the figures
are computed once per scope and filter set and kept for ``OUTCOMES_CACHE_SECONDS`` (0 turns it
off). The key holds everything that decides the result: the clinics seen whole, the clinics seen
only for one's own patients (with the user, since then the rows depend on who asks) and every
filter; a cached answer is never shown to someone with a different scope.

The cache is Redis (``CACHE_URL``), shared by every web process. It is only a shortcut: when it
fails the figures are computed as if it were off, and it is left alone for a while so that every
page does not wait for a dead server's timeout.

Past ``OUTCOMES_CACHE_SECONDS`` the figures are stale, not gone: for ``OUTCOMES_STALE_SECONDS``
more they are still shown (the page says how old they are) while a worker computes new ones on the
"bulk" queue, so only the first viewer of a scope, or one after a long quiet spell, waits for the
aggregates. One refresh per scope at a time: the first stale view claims it in the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from notifications.publisher import BrokerPublisher, task_by_name

from .cohort import (
    CheckpointSummary,
    ChoiceTrend,
    CohortFilters,
    cohort_checkpoint_summary,
    cohort_checkpoints,
    cohort_choice_trend,
    cohort_enrollments,
)
from .literature import LiteratureComparison, cohort_literature
from .safety import SafetySummary, cohort_safety
from .scope import OutcomeAccess


@dataclass(frozen=True)
class CohortFigures:
    summary: list[CheckpointSummary]
    groups: dict[str, list[CheckpointSummary]]
    choices: list[ChoiceTrend]
    safety: SafetySummary
    literature: list[LiteratureComparison]
    # When they were computed: the page says how old cached figures are.
    computed_at: dt.datetime


logger = logging.getLogger(__name__)

# After the cache fails, it is not asked again for this long.
CACHE_PAUSE_SECONDS = 30.0
_paused_until = 0.0
# A refresh claimed and never finished (its task lost, the broker down) is claimed again after
# this long: longer than the task's time limit.
REFRESH_CLAIM_SECONDS = 150
_DATE_FILTERS = ("performed_from", "performed_to")


def cohort_figures(*, access: OutcomeAccess, filters: CohortFilters) -> CohortFigures:
    if settings.OUTCOMES_CACHE_SECONDS <= 0:
        return _compute(access, filters)
    key = cohort_cache_key(access, filters)
    found = _cached(cache.get, key)
    if found is not None:
        if figures_stale(found):
            _refresh_later(key, access, filters)
        return found
    figures = _compute(access, filters)
    _store(key, figures)
    return figures


def figures_stale(figures: CohortFigures) -> bool:
    """Older than ``OUTCOMES_CACHE_SECONDS``: shown, while newer ones are computed."""
    age = timezone.now() - figures.computed_at
    return settings.OUTCOMES_CACHE_SECONDS > 0 and age.total_seconds() > (
        settings.OUTCOMES_CACHE_SECONDS
    )


def cohort_figures_refresh(scope: dict) -> CohortFigures:
    """Compute and keep the figures for ``scope`` (what ``_refresh_later`` queued); a worker's job."""
    access, filters = cohort_scope_from_json(scope)
    key = cohort_cache_key(access, filters)
    figures = _compute(access, filters)
    _store(key, figures)
    _cached(cache.delete, key + ":refreshing")
    return figures


def _store(key: str, figures: CohortFigures) -> None:
    timeout = settings.OUTCOMES_CACHE_SECONDS + max(settings.OUTCOMES_STALE_SECONDS, 0)
    _cached(cache.set, key, figures, timeout)


def _refresh_later(key: str, access: OutcomeAccess, filters: CohortFilters) -> None:
    if _cached(cache.add, key + ":refreshing", True, REFRESH_CLAIM_SECONDS):
        refresh_publisher.submit(cohort_scope_json(access, filters))


REFRESH_TASK = "followup.tasks.refresh_cohort_figures_task"


def _publish_refresh(scope: dict) -> None:
    # By name: the task calls this module (cohort_figures_refresh), so importing it would be a cycle.
    task_by_name(REFRESH_TASK).delay(scope)


# A page never waits for the broker: the task is published from a background thread, and
# dropped while the broker is down (the claim expires and a later view asks again).
refresh_publisher = BrokerPublisher(_publish_refresh)


def cohort_scope_json(access: OutcomeAccess, filters: CohortFilters) -> dict:
    """``access`` and ``filters`` as JSON for the task."""
    values = asdict(filters)
    for name in _DATE_FILTERS:
        if values[name] is not None:
            values[name] = values[name].isoformat()
    return {
        "user_id": access.user_id,
        "clinic_wide": sorted(access.clinic_wide),
        "own_only": sorted(access.own_only),
        "filters": values,
    }


def cohort_scope_from_json(scope: dict) -> tuple[OutcomeAccess, CohortFilters]:
    values = dict(scope["filters"])
    for name in _DATE_FILTERS:
        if values.get(name):
            values[name] = dt.date.fromisoformat(values[name])
    access = OutcomeAccess(
        user_id=scope["user_id"],
        clinic_wide=frozenset(scope["clinic_wide"]),
        own_only=frozenset(scope["own_only"]),
    )
    return access, CohortFilters(**values)


def cohort_cache_resume() -> None:
    """Ask the cache again at once, ending a pause after a failure (tests; a shell after a fix)."""
    global _paused_until
    _paused_until = 0.0


def _cached(operation, *args):
    """``operation(*args)`` on the cache; None when the cache failed or is paused after a failure."""
    global _paused_until
    if time.monotonic() < _paused_until:
        return None
    try:
        return operation(*args)
    except Exception as exc:  # noqa: BLE001 - any cache failure: compute, never fail the page
        _paused_until = time.monotonic() + CACHE_PAUSE_SECONDS
        logger.warning(
            "outcomes cache unavailable (%s); computing the figures, cache paused for %ss",
            type(exc).__name__,
            CACHE_PAUSE_SECONDS,
        )
        return None


def cohort_cache_key(access: OutcomeAccess, filters: CohortFilters) -> str:
    scope = (
        sorted(access.clinic_wide),
        sorted(access.own_only),
        access.user_id if access.own_only else None,
        sorted(asdict(filters).items()),
    )
    # The version changes with the shape of CohortFigures (v2: PGIC 7-point counts; v3: NDI, back
    # and leg pain per check), so a deploy never unpickles figures an older release cached.
    return "cohort-figures:v3:" + hashlib.sha256(repr(scope).encode()).hexdigest()


def _compute(access: OutcomeAccess, filters: CohortFilters) -> CohortFigures:
    enrollments = cohort_enrollments(access=access, filters=filters)
    checkpoints = cohort_checkpoints(enrollments=enrollments, filters=filters)
    groups: dict[str, list[CheckpointSummary]] = {}
    if filters.group:
        for row in cohort_checkpoint_summary(checkpoints=checkpoints, group=filters.group):
            groups.setdefault(row.group, []).append(row)
    return CohortFigures(
        summary=cohort_checkpoint_summary(checkpoints=checkpoints),
        groups=groups,
        choices=cohort_choice_trend(checkpoints=checkpoints),
        safety=cohort_safety(enrollments=enrollments),
        literature=cohort_literature(enrollments=enrollments),
        computed_at=timezone.now(),
    )
