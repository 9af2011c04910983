"""The cohort dashboard's figures, kept for a few minutes.

Every figure on the dashboard is an aggregate over the whole visible cohort: with 50,000
enrollments and a million answers that is about two seconds of database time on a small server
(docs/benchmarks.md), and the answer changes by a handful of surveys a minute. So the figures
are computed once per scope and filter set and kept for ``OUTCOMES_CACHE_SECONDS`` (0 turns it
off). The key holds everything that decides the result: the clinics seen whole, the clinics seen
only for one's own patients (with the user, since then the rows depend on who asks) and every
filter; a cached answer is never shown to someone with a different scope.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache

from .cohort import (
    CheckpointSummary,
    ChoiceTrend,
    CohortFilters,
    LiteratureComparison,
    SafetySummary,
    cohort_checkpoint_summary,
    cohort_checkpoints,
    cohort_choice_trend,
    cohort_enrollments,
    cohort_literature,
    cohort_safety,
)
from .scope import OutcomeAccess


@dataclass(frozen=True)
class CohortFigures:
    summary: list[CheckpointSummary]
    groups: dict[str, list[CheckpointSummary]]
    choices: list[ChoiceTrend]
    safety: SafetySummary
    literature: list[LiteratureComparison]


def cohort_figures(*, access: OutcomeAccess, filters: CohortFilters) -> CohortFigures:
    seconds = settings.OUTCOMES_CACHE_SECONDS
    key = _key(access, filters)
    if seconds > 0:
        found = cache.get(key)
        if found is not None:
            return found
    figures = _compute(access, filters)
    if seconds > 0:
        cache.set(key, figures, seconds)
    return figures


def _key(access: OutcomeAccess, filters: CohortFilters) -> str:
    scope = (
        sorted(access.clinic_wide),
        sorted(access.own_only),
        access.user_id if access.own_only else None,
        sorted(asdict(filters).items()),
    )
    return "cohort-figures:" + hashlib.sha256(repr(scope).encode()).hexdigest()


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
    )
