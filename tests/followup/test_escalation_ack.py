"""Owning an escalation: acknowledge (web, API, SMS), assign, resolve; who may and who may not."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from followup.models import Escalation, OnCallShift, TimelineEvent
from followup.services.escalations import (
    escalation_acknowledge,
    escalation_assign,
    escalation_resolve,
)
from followup.services.redflags import (
    escalation_handle_clinician_sms,
    parse_ack,
    redflags_from_answers,
)
from notifications.models import OutboundMessage
from patients.models import Role

from .test_escalation_chain import answer, drain, enrolled_checkpoint, phone_of, roster, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def emergency(clinic, bob):
    t0 = timezone.now()
    people = roster(clinic, bob, around=t0)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    escalation = Escalation.objects.get()
    escalation.people = people
    return escalation


# --- parsing -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "codes"),
    [
        ("ACK 4821", ["4821"]),
        ("ack4821", ["4821"]),
        ("4821 ok", ["4821"]),
        ("Ack: #4821", ["4821"]),
        ("4821", ["4821"]),
        ("  ACK   4821 thanks ", ["4821"]),
        ("got it 4821", ["4821"]),
        ("ack 4821 and 55123", ["4821", "55123"]),
        ("ack 4821 4821", ["4821"]),
    ],
)
def test_it_reads_the_ways_clinicians_acknowledge(body, codes):
    assert parse_ack(body) == codes


@pytest.mark.parametrize(
    "body",
    [
        "",
        "ACK",
        "ok",
        "can't take 4821",
        "not 4821",
        "who is 4821?",
        "call me at 5125550100",
        "482",
        "ack 123456789",
    ],
)
def test_it_does_not_take_other_texts_for_an_acknowledgement(body):
    assert parse_ack(body) is None


# --- by SMS --------------------------------------------------------------------------------------
def test_a_number_that_is_no_clinicians_is_left_to_the_patient_flow(emergency):
    assert (
        escalation_handle_clinician_sms(from_number="+15125559999", body=f"ACK {emergency.code}")
        is None
    )
    emergency.refresh_from_db()
    assert emergency.status == "open"


def test_an_unknown_code_gets_a_clear_reply(emergency, bob, clinic):
    wrong = "9999" if emergency.code != "9999" else "8888"
    reply = escalation_handle_clinician_sms(from_number=phone_of(bob, clinic), body=f"ACK {wrong}")
    # One generic answer, the same for every wrong code (test_sms_ack_rules.py).
    assert "cannot be acknowledged" in reply


def test_a_clinician_text_that_is_not_an_ack_gets_help(emergency, bob, clinic):
    reply = escalation_handle_clinician_sms(from_number=phone_of(bob, clinic), body="who is this?")
    assert "ACK" in reply
    emergency.refresh_from_db()
    assert emergency.status == "open"


def test_another_clinics_clinician_cannot_ack_by_text(emergency, dora, other_clinic):
    reply = escalation_handle_clinician_sms(
        from_number=phone_of(dora, other_clinic), body=f"ACK {emergency.code}"
    )
    assert "cannot be acknowledged" in reply
    emergency.refresh_from_db()
    assert emergency.status == "open" and emergency.acknowledged_by is None


def test_an_inactive_clinician_is_not_a_clinician(emergency, bob, clinic):
    bob.memberships.update(is_active=False)
    assert (
        escalation_handle_clinician_sms(
            from_number=phone_of(bob, clinic), body=f"ACK {emergency.code}"
        )
        is None
    )


def test_a_second_ack_by_text_names_who_has_it(emergency, clinic, bob):
    from followup.dispatch import dispatch_due

    dispatch_due(now=emergency.created_at + dt.timedelta(minutes=10))  # the backup is paged too
    backup = emergency.people["backup"]
    assert "recorded" in escalation_handle_clinician_sms(
        from_number=phone_of(bob, clinic), body=emergency.code
    )
    again = escalation_handle_clinician_sms(
        from_number=phone_of(backup, clinic), body=f"ACK {emergency.code}"
    )
    assert "already acknowledged" in again and bob.get_full_name() in again
    mine = escalation_handle_clinician_sms(
        from_number=phone_of(bob, clinic), body=f"ACK {emergency.code}"
    )
    assert "You already acknowledged" in mine
    emergency.refresh_from_db()
    assert emergency.acknowledged_by == bob


def test_an_ack_cancels_pages_still_waiting_in_the_outbox(emergency, clinic, bob):
    # Nothing has been drained: bob's SMS and email page are still pending.
    assert escalation_acknowledge(escalation=emergency, user=bob, via="web")
    assert set(OutboundMessage.objects.filter(purpose="page").values_list("status", flat=True)) == {
        "cancelled"
    }


# --- acknowledge ---------------------------------------------------------------------------------
def test_the_first_to_acknowledge_wins_and_the_second_learns_it(emergency, bob, alice):
    assert escalation_acknowledge(escalation=emergency, user=alice, via="web") is True
    assert escalation_acknowledge(escalation=emergency, user=bob, via="web") is False
    assert (
        escalation_acknowledge(escalation=emergency, user=alice, via="web") is True
    )  # harmless repeat
    emergency.refresh_from_db()
    assert emergency.acknowledged_by == alice and emergency.owner == alice
    assert TimelineEvent.objects.filter(kind="escalation_acknowledged").count() == 1


def test_a_stranger_cannot_acknowledge(emergency, charlie):
    with pytest.raises(PermissionError):
        escalation_acknowledge(escalation=emergency, user=charlie, via="web")
    emergency.refresh_from_db()
    assert emergency.status == "open"


@pytest.mark.django_db(transaction=True)
def test_two_nurses_acknowledging_at_the_same_moment_give_one_owner(clinic, bob, alice):
    nina = staff(clinic, "nina", Role.TRIAGE_NURSE)
    t0 = timezone.now()
    OnCallShift.objects.create(
        clinic=clinic,
        user=bob,
        role="primary",
        starts_at=t0 - dt.timedelta(days=1),
        ends_at=t0 + dt.timedelta(days=1),
    )
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_WEAKNESS", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    escalation_id = Escalation.objects.get().pk
    barrier = threading.Barrier(2)
    results: dict[str, bool] = {}

    def take(user):
        try:
            escalation = Escalation.objects.get(pk=escalation_id)
            barrier.wait()
            results[user.username] = escalation_acknowledge(
                escalation=escalation, user=user, via="web"
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in (alice, nina)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results.values()) == [False, True]
    winner = next(name for name, won in results.items() if won)
    escalation = Escalation.objects.get(pk=escalation_id)
    assert escalation.acknowledged_by.username == winner
    assert TimelineEvent.objects.filter(kind="escalation_acknowledged").count() == 1


# --- assign and resolve --------------------------------------------------------------------------
def test_assigning_tells_the_new_owner_and_keeps_paging_until_acknowledged(
    emergency, alice, bob, clinic, sms_outbox
):
    escalation_assign(escalation=emergency, user=bob, actor=alice)
    drain()
    emergency.refresh_from_db()
    assert emergency.owner == bob and emergency.status == "open"
    notice = [
        m for m in sms_outbox if m["to"] == phone_of(bob, clinic) and "assigned to you" in m["body"]
    ]
    assert len(notice) == 1
    assert TimelineEvent.objects.filter(kind="escalation_assigned", actor=alice).exists()


@pytest.mark.parametrize("note", ["", "   ", None])
def test_resolving_needs_a_note(emergency, alice, note):
    with pytest.raises(ValueError, match="note is required"):
        escalation_resolve(escalation=emergency, user=alice, outcome="reached_ed", note=note)
    emergency.refresh_from_db()
    assert emergency.status == "open"


def test_resolving_needs_a_known_outcome(emergency, alice):
    with pytest.raises(ValueError, match="Unknown outcome"):
        escalation_resolve(escalation=emergency, user=alice, outcome="fine", note="Spoke to her.")


def test_resolving_records_who_what_and_when_and_stops_paging(emergency, alice):
    later = emergency.created_at + dt.timedelta(minutes=7)
    escalation_resolve(
        escalation=emergency,
        user=alice,
        outcome="reached_ed",
        note="Told to go to the ED; daughter driving.",
        now=later,
    )
    emergency.refresh_from_db()
    assert (
        emergency.status == "resolved"
        and emergency.resolved_by == alice
        and emergency.resolved_at == later
    )
    assert emergency.outcome == "reached_ed" and emergency.next_page_at is None
    # Never acknowledged before: resolving counts as the first response.
    assert emergency.acknowledged_by == alice and emergency.acknowledged_via == "resolve"
    event = TimelineEvent.objects.get(kind="escalation_resolved")
    assert event.data["minutes_since_opened"] == 7.0 and event.actor == alice
    with pytest.raises(ValueError, match="already resolved"):
        escalation_resolve(escalation=emergency, user=alice, outcome="reached_ed", note="again")


def test_after_resolution_the_same_symptom_opens_a_new_escalation(emergency, alice):
    escalation_resolve(
        escalation=emergency, user=alice, outcome="reached_reassured", note="Anxiety, settled."
    )
    first_checkpoint = emergency.flags.get().checkpoint
    other = first_checkpoint.enrollment.checkpoints.get(key="h48")
    answer(other, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=other)
    assert Escalation.objects.filter(patient=emergency.patient, kind="SOB_CHEST").count() == 2
