"""A real Celery worker replaces the cohort dashboard's stale figures while they are shown.

The test process and the worker share one Redis cache, as gunicorn and Celery do in production.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from followup.selectors.outcomes import CohortFilters, OutcomeAccess, cached
from followup.selectors.outcomes.cached import cohort_cache_key, cohort_figures
from tests.followup.outcomes_data import patient_enrolled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_queues() -> str:
    return "bulk"  # where the refresh is routed: never "celery", which carries pages


@pytest.fixture
def worker_sharing_the_cache(shared_cache, settings, monkeypatch, request):
    settings.OUTCOMES_CACHE_SECONDS = 60
    monkeypatch.setenv("TEST_CACHE_URL", shared_cache)  # read by config.settings.test in the worker
    return request.getfixturevalue("celery_worker")


def test_the_worker_computes_new_figures_while_the_stale_ones_are_shown(
    worker_sharing_the_cache, clinic, bob, monkeypatch
):
    patient_enrolled(clinic, bob)
    scope = OutcomeAccess(user_id=bob.pk, clinic_wide=frozenset([clinic.pk]), own_only=frozenset())
    key = cohort_cache_key(scope, CohortFilters())
    first = cohort_figures(access=scope, filters=CohortFilters())
    assert first.safety.overall.enrollments == 1
    patient_enrolled(clinic, bob, mrn="MRN-SECOND")  # not in the kept figures yet

    moment = timezone.now() + dt.timedelta(seconds=90)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    shown = cohort_figures(access=scope, filters=CohortFilters())
    assert shown == first  # at once, stale
    assert cached.refresh_publisher.flush(timeout=10)

    deadline = time.monotonic() + 30
    found = shown
    while found.computed_at == first.computed_at and time.monotonic() < deadline:
        time.sleep(0.1)
        found = cache.get(key)
    assert found.computed_at > first.computed_at, worker_sharing_the_cache.output()
    assert found.safety.overall.enrollments == 2
    assert cache.get(key + ":refreshing") is None
    monkeypatch.undo()
    assert cohort_figures(access=scope, filters=CohortFilters()) == found
