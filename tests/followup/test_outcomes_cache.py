"""The cohort dashboard's figures are kept for a while, never across scopes or filters."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.env import redis_url_next_database
from followup.selectors.outcomes import CohortFilters, OutcomeAccess, cached
from followup.selectors.outcomes.cached import cohort_cache_key, cohort_figures
from followup.tasks import refresh_cohort_figures_task
from scripts.services import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.OUTCOMES_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def access(*, wide=(), own=(), user=1) -> OutcomeAccess:
    return OutcomeAccess(user_id=user, clinic_wide=frozenset(wide), own_only=frozenset(own))


def test_it_computes_once_then_answers_from_the_cache(clinic):
    scope = access(wide=[clinic.pk])
    first = cohort_figures(access=scope, filters=CohortFilters())
    with CaptureQueriesContext(connection) as captured:
        again = cohort_figures(access=scope, filters=CohortFilters())
    assert len(captured.captured_queries) == 0
    assert again == first


def test_it_recomputes_every_time_when_turned_off(settings, clinic):
    settings.OUTCOMES_CACHE_SECONDS = 0
    scope = access(wide=[clinic.pk])
    cohort_figures(access=scope, filters=CohortFilters())
    with CaptureQueriesContext(connection) as captured:
        cohort_figures(access=scope, filters=CohortFilters())
    assert len(captured.captured_queries) > 0


def test_scopes_and_filters_never_share_an_entry():
    base = cohort_cache_key(access(wide=[1]), CohortFilters())
    assert base != cohort_cache_key(access(wide=[2]), CohortFilters())
    assert base != cohort_cache_key(access(own=[1]), CohortFilters())
    assert base != cohort_cache_key(access(wide=[1]), CohortFilters(procedure="ESI"))
    # Own-patients scope depends on who asks; whole-clinic scope does not.
    assert cohort_cache_key(access(own=[1], user=1), CohortFilters()) != cohort_cache_key(
        access(own=[1], user=2), CohortFilters()
    )
    assert cohort_cache_key(access(wide=[1], user=1), CohortFilters()) == cohort_cache_key(
        access(wide=[1], user=2), CohortFilters()
    )


def test_web_processes_share_the_figures_through_redis(shared_cache, clinic):
    figures = cohort_figures(access=access(wide=[clinic.pk]), filters=CohortFilters())
    # Another web process: its own connection to the same Redis finds them.
    other = RedisCache(redis_url_next_database(settings.REDIS_URL), {"KEY_PREFIX": "followup-test"})
    assert other.get(cohort_cache_key(access(wide=[clinic.pk]), CohortFilters())) == figures


def test_clearing_the_cache_leaves_the_brokers_database_alone(shared_cache):
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.set("followup-test-sentinel", "queued work")
    try:
        cache.set("something", 1)
        cache.clear()
        assert cache.get("something") is None
        assert broker.get("followup-test-sentinel") == b"queued work"
    finally:
        broker.delete("followup-test-sentinel")


def test_a_dead_cache_costs_one_timeout_then_is_left_alone(clinic, caplog, request):
    cached.cohort_cache_resume()
    request.addfinalizer(cached.cohort_cache_resume)
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/1",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    scope = access(wide=[clinic.pk])
    with (
        override_settings(CACHES=dead),
        caplog.at_level("WARNING", logger="followup.selectors.outcomes.cached"),
    ):
        first = cohort_figures(access=scope, filters=CohortFilters())
        second = cohort_figures(access=scope, filters=CohortFilters())
    assert first.summary == second.summary and first.safety == second.safety
    warnings = [r for r in caplog.records if "outcomes cache unavailable" in r.getMessage()]
    # The first page's read failed and paused the cache: its write and the second page never
    # tried (each would have waited for the connect timeout again).
    assert len(warnings) == 1
    assert "ConnectionError" in warnings[0].getMessage()


# --- stale figures, refreshed by a worker -------------------------------------------------------


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """What would go to the broker (the publisher's own tests cover the broker side)."""
    sent: list[dict] = []
    monkeypatch.setattr(cached.refresh_publisher, "submit", sent.append)
    return sent


def later(monkeypatch, **delta) -> None:
    moment = timezone.now() + dt.timedelta(**delta)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_stale_figures_are_shown_at_once_and_one_refresh_is_queued(clinic, queued, monkeypatch):
    scope = access(wide=[clinic.pk])
    first = cohort_figures(access=scope, filters=CohortFilters())
    later(monkeypatch, seconds=30)  # fresh (OUTCOMES_CACHE_SECONDS is 60 here)
    assert cohort_figures(access=scope, filters=CohortFilters()) == first
    assert queued == []
    later(monkeypatch, seconds=90)
    with CaptureQueriesContext(connection) as captured:
        stale = cohort_figures(access=scope, filters=CohortFilters())
        again = cohort_figures(access=scope, filters=CohortFilters())
    assert len(captured.captured_queries) == 0  # nobody waits for the aggregates
    assert stale == again == first
    assert cached.figures_stale(stale)
    assert len(queued) == 1  # the second viewer found the refresh claimed


def test_the_refresh_stores_new_figures_and_frees_the_claim(clinic, queued, monkeypatch):
    scope = access(wide=[clinic.pk])
    first = cohort_figures(access=scope, filters=CohortFilters())
    later(monkeypatch, seconds=90)
    cohort_figures(access=scope, filters=CohortFilters())
    refresh_cohort_figures_task(json.loads(json.dumps(queued[0])))  # as the broker carries it
    fresh = cohort_figures(access=scope, filters=CohortFilters())
    assert fresh.computed_at > first.computed_at
    assert not cached.figures_stale(fresh)
    # Stale again later: the claim was released, so a new refresh is queued.
    later(monkeypatch, seconds=200)
    cohort_figures(access=scope, filters=CohortFilters())
    assert len(queued) == 2


def test_a_claim_that_was_never_finished_is_taken_again_after_it_expires(
    clinic, queued, monkeypatch
):
    scope = access(wide=[clinic.pk])
    cohort_figures(access=scope, filters=CohortFilters())
    later(monkeypatch, seconds=90)
    cohort_figures(access=scope, filters=CohortFilters())
    assert len(queued) == 1
    # The task was lost (broker down): the claim's expiry lets a later view ask again.
    cache.delete(cohort_cache_key(scope, CohortFilters()) + ":refreshing")
    cohort_figures(access=scope, filters=CohortFilters())
    assert len(queued) == 2


@pytest.mark.parametrize(("stale_seconds", "kept"), [(3600, 60 + 3600), (0, 60), (-5, 60)])
def test_figures_are_kept_for_the_fresh_time_plus_the_stale_window(
    settings, clinic, monkeypatch, stale_seconds, kept
):
    # Past that the cache has dropped them and the next view computes them in the request.
    settings.OUTCOMES_STALE_SECONDS = stale_seconds
    stored = []
    monkeypatch.setattr(cache, "set", lambda key, value, timeout: stored.append(timeout))
    cohort_figures(access=access(wide=[clinic.pk]), filters=CohortFilters())
    assert stored == [kept]


def test_the_refresh_task_gets_the_same_scope_and_filters_through_json():
    scope = access(wide=[3, 1], own=[7], user=42)
    filters = CohortFilters(
        procedure="ESI",
        physician_id=5,
        clinic_id=3,
        performed_from=dt.date(2026, 1, 1),
        performed_to=dt.date(2026, 6, 30),
        checkpoint="w6",
        include_withdrawn=False,
        group="procedure",
    )
    carried = json.loads(json.dumps(cached.cohort_scope_json(scope, filters)))
    assert cached.cohort_scope_from_json(carried) == (scope, filters)
