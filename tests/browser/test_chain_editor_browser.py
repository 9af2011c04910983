"""A clinic admin sets up an escalation chain in a real Chromium: rows instead of JSON, targets
from her clinic's roles and roster only, a chain that would sleep at night refused, then saved.
(Issue 18.7; the rules are issue 20.3's, tested in tests/followup/test_chain_rules.py.)"""

from __future__ import annotations

import pytest

from followup.models import EscalationChain
from patients.models import Role
from patients.permissions import user_sync_groups

from ..factories import MembershipFactory, UserFactory
from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def member(username: str, clinic, role: str, *, staff: bool = False):
    user = UserFactory(username=username, is_staff=staff)
    MembershipFactory(user=user, clinic=clinic, role=role)
    user_sync_groups(user=user)
    return user


def test_alice_builds_her_clinic_emergency_chain(open_page, clinic, other_clinic):
    member("alice", clinic, Role.CLINIC_ADMIN, staff=True)
    member("nina", clinic, Role.TRIAGE_NURSE)
    member("bob", other_clinic, Role.CLINIC_ADMIN, staff=True)
    page = open_page()
    sign_in(page, "alice")

    page.goto("/admin/followup/escalationchain/add/")
    # Only her clinic, and only her clinic's people, can be chosen.
    clinics = page.locator("#id_clinic option").all_inner_texts()
    assert "Austin Spine" in clinics and "Boston Spine" not in clinics
    targets = page.locator("#id_step1_target option").evaluate_all("os => os.map(o => o.value)")
    assert "user:nina" in targets and "user:bob" not in targets and "oncall:primary" in targets

    page.select_option("#id_clinic", label="Austin Spine")
    page.select_option("#id_tier", "EMERGENCY")
    page.fill("#id_step1_after", "0")
    page.select_option("#id_step1_target", "role:triage_nurse")
    page.select_option("#id_step1_hours", "business")
    page.click("input[name=_save]")
    page.wait_for_load_state()

    error = page.locator(".errornote, .errorlist.nonfield").first
    assert "outside business hours" in page.locator(".errorlist.nonfield").inner_text()
    assert error.is_visible()
    assert not EscalationChain.objects.exists()

    page.fill("#id_step2_after", "0")
    page.select_option("#id_step2_target", "oncall:primary")
    page.select_option("#id_step2_hours", "after")
    page.fill("#id_step3_after", "10")
    page.select_option("#id_step3_target", "user:nina")
    page.fill("#id_step3_repeat", "15")
    screenshot(page, "admin-chain-editor")
    page.click("input[name=_save]")
    page.wait_for_load_state()

    assert "was added successfully" in page.locator(".messagelist").inner_text()
    chain = EscalationChain.objects.get()
    assert (chain.clinic, chain.tier) == (clinic, "EMERGENCY")
    assert chain.steps == [
        {"after_minutes": 0, "target": "role:triage_nurse", "hours": "business"},
        {"after_minutes": 0, "target": "oncall:primary", "hours": "after"},
        {"after_minutes": 10, "target": "user:nina", "repeat_minutes": 15},
    ]
    # The list says what the chain does, in words.
    assert "+10m user:nina" in page.locator("#result_list").inner_text()
