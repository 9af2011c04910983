"""One tier order, in Python and in SQL (followup.tiers)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from followup.flags import flag_create
from followup.models import Flag, TimelineEvent
from followup.tiers import TIER_ORDER, highest, tier_rank, tier_rank_expression
from tests.factories import PatientFactory


def test_rank_and_highest_put_emergency_first_and_ignore_unknown_values():
    assert [tier_rank(t) for t in TIER_ORDER] == [0, 1, 2]
    assert tier_rank("bogus") == tier_rank(None) == 3
    assert highest(["ROUTINE", "EMERGENCY", "URGENT"]) == "EMERGENCY"
    assert highest(["ROUTINE", None, "bogus"]) == "ROUTINE"
    assert highest([]) is None and highest(["bogus"]) is None


@pytest.mark.django_db
def test_the_sql_expression_orders_as_the_python_rank():
    patient = PatientFactory()
    now = timezone.now()
    for tier in ("ROUTINE", "EMERGENCY", "URGENT", "ROUTINE"):
        flag_create(
            patient=patient,
            enrollment=None,
            checkpoint=None,
            rule_code=f"T_{tier}",
            tier=tier,
            reason="test",
            evidence="x" * 3000,
            source="test",
            inbound_message_id=None,
            now=now,
        )
    ordered = Flag.objects.annotate(rank=tier_rank_expression()).order_by("rank", "id")
    assert [(f.tier, f.rank) for f in ordered] == [
        ("EMERGENCY", 0),
        ("URGENT", 1),
        ("ROUTINE", 2),
        ("ROUTINE", 2),
    ]
    # The builder cut the evidence and wrote one timeline event per flag.
    assert {len(f.evidence) for f in ordered} == {2000}
    assert TimelineEvent.objects.filter(kind="flag_raised", patient=patient).count() == 4
