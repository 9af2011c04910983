"""Flag and escalation tiers, and their order: the one place that says EMERGENCY outranks URGENT
outranks ROUTINE, in Python (:func:`tier_rank`, :func:`highest`) and in SQL
(:func:`tier_rank_expression`, for ``ORDER BY`` most serious first; portable CASE, SQLite too).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, IntegerField, Value, When

EMERGENCY = "EMERGENCY"
URGENT = "URGENT"
ROUTINE = "ROUTINE"
# Most serious first.
TIER_ORDER = (EMERGENCY, URGENT, ROUTINE)


def tier_rank(tier: str | None) -> int:
    """0 for EMERGENCY, 1 for URGENT, 2 for ROUTINE; anything else ranks after them."""
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


def highest(tiers: Iterable[str | None]) -> str | None:
    """The most serious of ``tiers`` (unknown values ignored), or None."""
    known = [tier for tier in tiers if tier in TIER_ORDER]
    return min(known, key=tier_rank) if known else None


def tier_rank_expression(field: str = "tier") -> Case:
    """:func:`tier_rank` of ``field`` as a SQL expression, to annotate and order by."""
    return Case(
        *(When(**{field: tier}, then=Value(rank)) for rank, tier in enumerate(TIER_ORDER[:-1])),
        default=Value(len(TIER_ORDER) - 1),
        output_field=IntegerField(),
    )
