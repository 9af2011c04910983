"""Every EMERGENCY and URGENT escalation pages someone, at any hour (issue 20.3).

Validation refuses chains for another clinic's people and chains that leave part of the week
without a step; at run time a chain saved before those rules still pages the clinic's fallback.
"""

from __future__ import annotations

import pytest

from followup.chain_rules import chain_validate
from followup.models import Escalation, EscalationChain, Page, TimelineEvent
from followup.services.escalations import DEFAULT_CHAINS
from followup.services.redflags import redflags_from_answers
from patients.models import Role

from .test_escalation_chain import (
    AFTER_HOURS,
    IN_HOURS,
    answer,
    enrolled_checkpoint,
    roster,
    staff,
)

pytestmark = pytest.mark.django_db

BUSINESS_ONLY = [{"after_minutes": 0, "target": "role:triage_nurse", "hours": "business"}]


def test_it_accepts_the_default_chains(clinic):
    for tier, steps in DEFAULT_CHAINS.items():
        assert chain_validate(clinic=clinic, tier=tier, steps=steps) == [], tier


@pytest.mark.parametrize("tier", ["EMERGENCY", "URGENT"])
def test_it_refuses_a_paged_tier_chain_that_sleeps_at_night(clinic, tier):
    problems = chain_validate(clinic=clinic, tier=tier, steps=BUSINESS_ONLY)

    assert len(problems) == 1
    assert "outside business hours" in problems[0] and "America/Chicago" in problems[0]


def test_it_refuses_a_chain_that_only_pages_out_of_hours(clinic):
    steps = [{"after_minutes": 0, "target": "oncall:primary", "hours": "after"}]

    assert any(
        "in business hours" in p for p in chain_validate(clinic=clinic, tier="URGENT", steps=steps)
    )


def test_it_refuses_an_empty_emergency_chain_but_not_an_empty_routine_one(clinic):
    assert chain_validate(clinic=clinic, tier="EMERGENCY", steps=[])
    assert chain_validate(clinic=clinic, tier="ROUTINE", steps=[]) == []


def test_a_routine_chain_may_keep_office_hours(clinic):
    assert chain_validate(clinic=clinic, tier="ROUTINE", steps=BUSINESS_ONLY) == []


def test_it_refuses_a_named_person_of_another_clinic(clinic, other_clinic, bob, dora):
    steps = [
        {"after_minutes": 0, "target": "user:bob"},
        {"after_minutes": 10, "target": "user:dora"},
        {"after_minutes": 20, "target": "user:nobody-by-that-name"},
    ]

    problems = chain_validate(clinic=clinic, tier="EMERGENCY", steps=steps)

    assert problems == [
        "step 2: 'dora' is not an active member of Austin Spine",
        "step 3: 'nobody-by-that-name' is not an active member of Austin Spine",
    ]


def test_it_still_names_shape_problems_first(clinic):
    assert chain_validate(clinic=clinic, tier="EMERGENCY", steps="oncall:primary") == [
        "steps must be a list"
    ]


# --- run time -------------------------------------------------------------------------------------
def test_an_old_chain_with_no_step_at_night_pages_the_fallback(clinic, bob, sms_outbox):
    """The attack of issue 20: one business-hours step, an EMERGENCY at 03:00 paged nobody."""
    people = roster(clinic, bob, around=AFTER_HOURS)
    # Saved before validation existed (straight into the table).
    EscalationChain.objects.create(clinic=clinic, tier="EMERGENCY", steps=BUSINESS_ONLY)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True, "yes", at=AFTER_HOURS)

    redflags_from_answers(checkpoint=checkpoint, now=AFTER_HOURS)

    escalation = Escalation.objects.get()
    paged = set(
        Page.objects.filter(escalation=escalation).values_list("recipient__username", flat=True)
    )
    # The fallback: the clinic admins and the lead on call.
    assert paged == {people["admin"].username, people["lead"].username}
    note = TimelineEvent.objects.get(escalation=escalation, kind="page_no_recipient")
    assert "No step of the chain applies" in note.summary


def test_the_fallback_stays_quiet_when_the_chain_paged_someone(clinic, bob):
    roster(clinic, bob, around=IN_HOURS)
    staff(clinic, "nell", Role.TRIAGE_NURSE)
    EscalationChain.objects.create(clinic=clinic, tier="URGENT", steps=BUSINESS_ONLY)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_FEVER", True, "yes", at=IN_HOURS)

    redflags_from_answers(checkpoint=checkpoint, now=IN_HOURS)

    escalation = Escalation.objects.get()
    assert escalation.tier == "URGENT"
    assert set(escalation.pages.values_list("recipient__username", flat=True)) == {"nell"}
    assert not escalation.timeline.filter(kind="page_no_recipient").exists()
