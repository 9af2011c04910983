"""ACK by text: one code per text, one generic answer to a wrong code, wrong codes rate-limited
per phone (issue 20.8). Bob is paged at clinic A; Dora is a physician of clinic B."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from followup.models import Escalation
from followup.services.escalations.sms_ack import (
    ACK_LOCKOUT,
    LOCKED,
    ONE_CODE,
    WRONG_CODE,
    sms_ack_handle,
)
from followup.services.redflags import parse_ack, redflags_from_answers
from tests.survey_helpers import last_text, post_sms

from .test_escalation_chain import answer, enrolled_checkpoint, phone_of, roster

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def raise_emergency(clinic, physician, now) -> Escalation:
    checkpoint = enrolled_checkpoint(clinic, physician)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=now)
    return Escalation.objects.filter(clinic=clinic).order_by("-id").first()


@pytest.fixture
def t0():
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def emergency(clinic, bob, t0):
    roster(clinic, bob, around=t0)
    return raise_emergency(clinic, bob, t0)


def ack(phone: str, body: str, now) -> str | None:
    return sms_ack_handle(from_number=phone, codes=parse_ack(body), now=now)


def other_code(*taken: str) -> str:
    return next(c for c in ("9999", "8888", "7777") if c not in taken)


def test_a_text_with_two_codes_acknowledges_neither(emergency, clinic, bob, t0):
    second = raise_emergency(clinic, bob, t0)
    reply = ack(phone_of(bob, clinic), f"ACK {emergency.code} {second.code}", t0)
    assert reply == ONE_CODE
    assert set(Escalation.objects.values_list("status", flat=True)) == {"open"}


def test_a_wrong_code_gets_one_answer_whatever_the_reason(
    emergency, clinic, other_clinic, bob, dora, t0
):
    theirs = raise_emergency(other_clinic, dora, t0)  # B's live escalation
    page_phone = phone_of(bob, clinic)
    unknown = ack(page_phone, f"ACK {other_code(emergency.code, theirs.code)}", t0)
    other_clinics = ack(page_phone, f"ACK {theirs.code}", t0)
    assert unknown == other_clinics == WRONG_CODE
    assert theirs.code not in WRONG_CODE and other_clinic.name not in other_clinics
    theirs.refresh_from_db()
    assert theirs.status == "open"


def test_five_wrong_codes_in_15_minutes_pause_every_ack_from_that_phone(emergency, clinic, bob, t0):
    page_phone = phone_of(bob, clinic)
    wrong = other_code(emergency.code)
    for minute in range(5):
        assert ack(page_phone, f"ACK {wrong}", t0 + dt.timedelta(minutes=minute)) == WRONG_CODE
    # Even the right code is refused now, with the same one answer.
    later = t0 + dt.timedelta(minutes=5)
    assert ack(page_phone, f"ACK {emergency.code}", later) == LOCKED
    assert ack(page_phone, f"ACK {wrong}", later) == LOCKED
    emergency.refresh_from_db()
    assert emergency.status == "open"
    # After the pause the right code works again.
    after = t0 + dt.timedelta(minutes=4) + ACK_LOCKOUT + dt.timedelta(seconds=1)
    assert "recorded" in ack(page_phone, f"ACK {emergency.code}", after)


def test_wrong_codes_spread_over_more_than_15_minutes_pause_nothing(emergency, clinic, bob, t0):
    page_phone = phone_of(bob, clinic)
    wrong = other_code(emergency.code)
    for step in range(6):
        ack(page_phone, f"ACK {wrong}", t0 + dt.timedelta(minutes=4 * step))
    assert "recorded" in ack(page_phone, f"ACK {emergency.code}", t0 + dt.timedelta(minutes=21))


def test_the_limit_is_per_phone(emergency, clinic, bob, t0):
    from patients.models import Role
    from tests.factories import MembershipFactory, UserFactory

    colleague = MembershipFactory(
        user=UserFactory(username="erin"), clinic=clinic, role=Role.PHYSICIAN
    )
    wrong = other_code(emergency.code)
    for _ in range(5):
        ack(colleague.page_phone, f"ACK {wrong}", t0)
    assert ack(colleague.page_phone, f"ACK {wrong}", t0) == LOCKED
    assert ack(phone_of(bob, clinic), f"ACK {wrong}", t0) == WRONG_CODE


def test_the_webhook_path_uses_these_rules(client, emergency, clinic, bob):
    page_phone = phone_of(bob, clinic)
    post_sms(client, body=f"ACK {emergency.code} {other_code(emergency.code)}", from_=page_phone)
    assert last_text(page_phone) == ONE_CODE
    post_sms(client, body=f"ACK {emergency.code}", from_=page_phone)
    assert "recorded" in last_text(page_phone)
