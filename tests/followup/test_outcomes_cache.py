"""The cohort dashboard's figures are kept for a while, never across scopes or filters."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from followup.selectors.outcomes import CohortFilters, OutcomeAccess
from followup.selectors.outcomes.cached import _key, cohort_figures

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
    base = _key(access(wide=[1]), CohortFilters())
    assert base != _key(access(wide=[2]), CohortFilters())
    assert base != _key(access(own=[1]), CohortFilters())
    assert base != _key(access(wide=[1]), CohortFilters(procedure="ESI"))
    # Own-patients scope depends on who asks; whole-clinic scope does not.
    assert _key(access(own=[1], user=1), CohortFilters()) != _key(
        access(own=[1], user=2), CohortFilters()
    )
    assert _key(access(wide=[1], user=1), CohortFilters()) == _key(
        access(wide=[1], user=2), CohortFilters()
    )
