"""Escalation routing and re-paging: a frozen clock walks whole chains through the real sweep.

Also holds the small helpers the other escalation tests import (roster, answers, outbox drain).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from followup.dispatch import dispatch_due, sweep_steps
from followup.models import (
    Answer,
    Escalation,
    EscalationChain,
    EscalationStatus,
    OnCallShift,
    Page,
    TimelineEvent,
)
from followup.services.escalations import (
    DEFAULT_CHAINS,
    chain_problems,
    chain_steps,
    clinic_in_business_hours,
    escalations_repage_due,
    page_sms_text,
)
from followup.services.redflags import escalation_handle_clinician_sms, redflags_from_answers
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_send
from notifications.sms_encoding import is_gsm7
from patients.models import Role
from tests.factories import MembershipFactory, PatientFactory, UserFactory, enroll

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# Wednesday 2026-11-18: 09:00 in Chicago (CST, UTC-6) is business hours, 03:00 is not.
IN_HOURS = dt.datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
AFTER_HOURS = dt.datetime(2026, 11, 18, 9, 0, tzinfo=UTC)


# --- helpers shared by the escalation tests ------------------------------------------------------
def staff(clinic, username: str, role: str = Role.PHYSICIAN, **extra):
    return MembershipFactory(
        user=UserFactory(username=username), clinic=clinic, role=role, **extra
    ).user


def phone_of(user, clinic) -> str:
    return user.memberships.get(clinic=clinic).page_phone


def put_on_call(clinic, user, role: str, *, around: dt.datetime) -> OnCallShift:
    return OnCallShift.objects.create(
        clinic=clinic,
        user=user,
        role=role,
        starts_at=around - dt.timedelta(days=30),
        ends_at=around + dt.timedelta(days=30),
    )


def roster(clinic, bob, *, around: dt.datetime) -> dict:
    """bob on call, bea backup, lena the lead, adam the clinic admin (not on call)."""
    people = {
        "primary": bob,
        "backup": staff(clinic, "bea"),
        "lead": staff(clinic, "lena"),
        "admin": staff(clinic, "adam", Role.CLINIC_ADMIN),
    }
    for role in ("primary", "backup", "lead"):
        put_on_call(clinic, people[role], role, around=around)
    return people


def enrolled_checkpoint(
    clinic, physician, *, procedure: str = "VA", key: str = "d14", days_ago=20, **patient
):
    patient_obj = PatientFactory(clinic=clinic, **patient)
    performed = timezone.localdate() - dt.timedelta(days=days_ago)
    enrollment = enroll(
        patient=patient_obj, physician=physician, procedure=procedure, performed_on=performed
    )
    return enrollment.checkpoints.get(key=key)


def answer(
    checkpoint, code: str, value, raw: str | None = None, at: dt.datetime | None = None
) -> Answer:
    return Answer.objects.create(
        checkpoint=checkpoint,
        question_code=code,
        instrument="yes_no",
        raw_text=raw if raw is not None else ("yes" if value is True else "no"),
        value=value,
        answered_at=at or timezone.now(),
    )


def drain() -> list[OutboundMessage]:
    """Send every pending outbox row now, as the worker would after commit."""
    sent = []
    while True:
        pending = list(OutboundMessage.objects.filter(status=OutboundStatus.PENDING).order_by("id"))
        fresh = [m for m in pending if outbox_send(message_id=m.pk) != "not-claimed"]
        if not fresh:
            return sent
        sent.extend(fresh)


def pages_to(sms_outbox: list[dict], *numbers: str) -> list[dict]:
    return [m for m in sms_outbox if m["to"] in numbers]


# --- chain configuration -------------------------------------------------------------------------
def test_it_ships_default_chains_that_validate():
    for tier, steps in DEFAULT_CHAINS.items():
        assert chain_problems(steps) == [], tier
    assert [s["after_minutes"] for s in DEFAULT_CHAINS["EMERGENCY"]] == [0, 10, 20]
    assert DEFAULT_CHAINS["ROUTINE"] == []


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ("oncall:primary", "must be a list"),
        ([{"after_minutes": -1, "target": "oncall:primary"}], "after_minutes"),
        (
            [
                {"after_minutes": 10, "target": "oncall:x"},
                {"after_minutes": 5, "target": "oncall:lead"},
            ],
            "back in time",
        ),
        ([{"after_minutes": 0, "target": "pager:bob"}], "target must be"),
        ([{"after_minutes": 0, "target": "role:janitor"}], "unknown clinic role"),
        ([{"after_minutes": 0, "target": "oncall:primary", "hours": "night"}], "hours must be"),
        ([{"after_minutes": 0, "target": "oncall:primary", "repeat_minutes": 1}], "repeat_minutes"),
        (
            [
                {"after_minutes": 0, "target": "oncall:primary", "repeat_minutes": 15},
                {"after_minutes": 5, "target": "oncall:lead"},
            ],
            "only the last step",
        ),
    ],
)
def test_it_names_what_is_wrong_with_a_chain(steps, problem):
    assert any(problem in p for p in chain_problems(steps))


def test_a_clinic_chain_replaces_the_default_but_an_empty_emergency_chain_does_not(clinic):
    EscalationChain.objects.create(
        clinic=clinic, tier="URGENT", steps=[{"after_minutes": 0, "target": "user:bob"}]
    )
    EscalationChain.objects.create(clinic=clinic, tier="EMERGENCY", steps=[])
    assert chain_steps(clinic=clinic, tier="URGENT") == [{"after_minutes": 0, "target": "user:bob"}]
    assert chain_steps(clinic=clinic, tier="EMERGENCY") == DEFAULT_CHAINS["EMERGENCY"]


def test_business_hours_are_read_in_the_clinic_zone(clinic):
    assert clinic_in_business_hours(clinic=clinic, at=IN_HOURS)
    assert not clinic_in_business_hours(clinic=clinic, at=AFTER_HOURS)
    saturday = IN_HOURS + dt.timedelta(days=3)
    assert not clinic_in_business_hours(clinic=clinic, at=saturday)


def test_the_sweep_lists_the_repage_step():
    assert escalations_repage_due in sweep_steps()


# --- the EMERGENCY chain, minute by minute -------------------------------------------------------
def test_it_walks_the_emergency_chain_until_an_sms_ack_stops_it(clinic, bob, alice, sms_outbox):
    t0 = timezone.now().replace(microsecond=0)
    people = roster(clinic, bob, around=t0)
    numbers = {role: phone_of(user, clinic) for role, user in people.items()}
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True, "yes")

    result = redflags_from_answers(checkpoint=checkpoint, now=t0)
    assert result.tier == "EMERGENCY" and result.stop_survey
    assert "911" in result.patient_reply
    escalation = Escalation.objects.get()
    assert (escalation.tier, escalation.status, escalation.kind) == (
        "EMERGENCY",
        "open",
        "SOB_CHEST",
    )
    assert escalation.next_page_at == t0 + dt.timedelta(minutes=10)
    drain()
    first = pages_to(sms_outbox, *numbers.values())
    assert [m["to"] for m in first] == [numbers["primary"]]
    assert first[0]["body"] == page_sms_text(escalation)
    assert (
        f"ACK {escalation.code}" in first[0]["body"]
        and f"/t/e/{escalation.pk}/" in first[0]["body"]
    )

    dispatch_due(now=t0 + dt.timedelta(minutes=9, seconds=59))
    drain()
    assert len(pages_to(sms_outbox, *numbers.values())) == 1, "nobody else before +10 min"

    dispatch_due(now=t0 + dt.timedelta(minutes=10))
    drain()
    assert [m["to"] for m in pages_to(sms_outbox, *numbers.values())] == [
        numbers["primary"],
        numbers["backup"],
    ]

    # A nurse who was never paged cannot take it by text: refused, nothing changes.
    refused = escalation_handle_clinician_sms(
        from_number=phone_of(alice, clinic), body=f"ACK {escalation.code}"
    )
    assert "not paged" in refused
    escalation.refresh_from_db()
    assert escalation.status == "open" and escalation.acknowledged_by is None

    dispatch_due(now=t0 + dt.timedelta(minutes=20))
    drain()
    assert [m["to"] for m in pages_to(sms_outbox, *numbers.values())] == [
        numbers["primary"],
        numbers["backup"],
        numbers["lead"],
    ]

    reply = escalation_handle_clinician_sms(
        from_number=numbers["backup"],
        body=f"{escalation.code} ok",
        now=t0 + dt.timedelta(minutes=22),
    )
    assert reply.startswith(f"ACK {escalation.code} recorded")
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged" and escalation.acknowledged_by == people["backup"]
    assert escalation.acknowledged_via == "sms" and escalation.next_page_at is None
    assert escalation.acknowledged_at == t0 + dt.timedelta(minutes=22)

    before = len(sms_outbox)
    for minutes in (35, 60, 120, 24 * 60):
        dispatch_due(now=t0 + dt.timedelta(minutes=minutes))
    drain()
    assert pages_to(sms_outbox[before:], *numbers.values()) == [], "nothing more after the ACK"

    kinds = list(TimelineEvent.objects.filter(escalation=escalation).values_list("kind", flat=True))
    assert kinds == [
        "escalation_opened",
        "page_sent",
        "page_sent",
        "page_sent",
        "escalation_acknowledged",
    ]
    times = list(TimelineEvent.objects.filter(escalation=escalation).values_list("at", flat=True))
    assert times[-1] - times[0] == dt.timedelta(minutes=22)


def test_pages_go_by_email_too_without_phi(clinic, bob):
    t0 = timezone.now()
    roster(clinic, bob, around=t0)
    checkpoint = enrolled_checkpoint(
        clinic, bob, first_name="Zelda", last_name="Quintero", mrn="MRN-SECRET"
    )
    answer(checkpoint, "RF_WEAKNESS", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    drain()
    escalation = Escalation.objects.get()
    emails = [m for m in mail.outbox if bob.memberships.get().page_email in m.to]
    assert len(emails) == 1
    assert escalation.code in emails[0].subject and f"/t/e/{escalation.pk}/" in emails[0].body
    for message in OutboundMessage.objects.filter(purpose="page"):
        for secret in ("Zelda", "Quintero", "MRN-SECRET", "weak", "Weak", "breath"):
            assert secret not in message.body and secret not in message.subject


def test_page_texts_are_gsm7_and_fit_one_sms_even_for_a_long_clinic_name(clinic, bob, settings):
    settings.PUBLIC_BASE_URL = "https://followup.some-long-hospital-network-domain.example.org"
    clinic.name = (
        "Saint Bartholomew’s Interventional Pain, Spine and Musculoskeletal Center of Excellence"
    )
    clinic.save()
    roster(clinic, bob, around=timezone.now())
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint)
    escalation = Escalation.objects.get()
    text = page_sms_text(escalation)
    assert len(text) < 160 and is_gsm7(text)
    assert text.endswith(f"Reply ACK {escalation.code}") and f"/t/e/{escalation.pk}/" in text


def test_the_last_step_repeats_until_someone_acknowledges(clinic, bob, sms_outbox):
    t0 = timezone.now()
    people = roster(clinic, bob, around=t0)
    lead = phone_of(people["lead"], clinic)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_BLADDER_BOWEL", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    for minutes in (10, 20, 34, 35, 50):
        dispatch_due(now=t0 + dt.timedelta(minutes=minutes))
    drain()
    assert len(pages_to(sms_outbox, lead)) == 3  # +20, +35, +50


# --- URGENT and ROUTINE routing ------------------------------------------------------------------
def test_urgent_in_business_hours_pages_the_nurse_pool_then_on_call_after_an_hour(
    clinic, bob, alice, sms_outbox
):
    people = roster(clinic, bob, around=IN_HOURS)
    nurse2 = staff(clinic, "nina", Role.TRIAGE_NURSE)
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    answer(checkpoint, "RF_WOUND", True)
    result = redflags_from_answers(checkpoint=checkpoint, now=IN_HOURS)
    assert result.tier == "URGENT" and not result.stop_survey
    assert "call you today" in result.patient_reply
    drain()
    nurses = {phone_of(alice, clinic), phone_of(nurse2, clinic)}
    bob_phone = phone_of(people["primary"], clinic)
    assert {m["to"] for m in pages_to(sms_outbox, *nurses, bob_phone)} == nurses

    escalations_repage_due(now=IN_HOURS + dt.timedelta(minutes=59))
    drain()
    assert pages_to(sms_outbox, bob_phone) == []
    escalations_repage_due(now=IN_HOURS + dt.timedelta(minutes=60))
    drain()
    assert len(pages_to(sms_outbox, bob_phone)) == 1


def test_urgent_after_hours_pages_the_on_call_clinician_not_the_nurses(
    clinic, bob, alice, sms_outbox
):
    roster(clinic, bob, around=AFTER_HOURS)
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    answer(checkpoint, "RF_FEVER", True)
    redflags_from_answers(checkpoint=checkpoint, now=AFTER_HOURS)
    drain()
    assert [
        m["to"] for m in sms_outbox if m["to"] in (phone_of(bob, clinic), phone_of(alice, clinic))
    ] == [phone_of(bob, clinic)]


def test_routine_goes_to_the_queue_and_pages_nobody(clinic, bob, sms_outbox):
    roster(clinic, bob, around=timezone.now())
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="SCS")
    answer(checkpoint, "RF_SCS_COVERAGE", True)
    result = redflags_from_answers(checkpoint=checkpoint)
    assert result.tier == "ROUTINE" and result.patient_reply == ""
    escalation = Escalation.objects.get()
    assert escalation.status == "open" and escalation.next_page_at is None
    drain()
    assert Page.objects.count() == 0
    assert OutboundMessage.objects.filter(purpose="page").count() == 0


def test_a_clinic_chain_with_a_named_user_is_followed(clinic, bob, sms_outbox):
    dora_here = staff(clinic, "drew")
    EscalationChain.objects.create(
        clinic=clinic,
        tier="EMERGENCY",
        steps=[
            {"after_minutes": 0, "target": "user:drew"},
            {"after_minutes": 5, "target": "oncall:primary"},
        ],
    )
    t0 = timezone.now()
    roster(clinic, bob, around=t0)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    dispatch_due(now=t0 + dt.timedelta(minutes=5))
    drain()
    order = [
        m["to"]
        for m in sms_outbox
        if m["to"] in (phone_of(dora_here, clinic), phone_of(bob, clinic))
    ]
    assert order == [phone_of(dora_here, clinic), phone_of(bob, clinic)]


# --- nobody on call ------------------------------------------------------------------------------
def test_a_missing_roster_pages_the_admins_and_lead_and_says_so(clinic, bob, sms_outbox):
    t0 = timezone.now()
    admin = staff(clinic, "adam", Role.CLINIC_ADMIN)
    lead = staff(clinic, "lena")
    put_on_call(clinic, lead, "lead", around=t0)  # only a lead: no primary, no backup
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    drain()
    assert {m["to"] for m in sms_outbox} >= {phone_of(admin, clinic), phone_of(lead, clinic)}
    escalation = Escalation.objects.get()
    missing = TimelineEvent.objects.filter(escalation=escalation, kind="page_no_recipient")
    assert missing.count() == 1 and "oncall:primary" in missing.get().summary
    # The admin was paged, so the admin may acknowledge by text.
    reply = escalation_handle_clinician_sms(
        from_number=phone_of(admin, clinic), body=f"ack {escalation.code}"
    )
    assert "recorded" in reply


def test_a_clinic_with_no_admin_and_no_roster_still_pages_a_physician(clinic, bob, sms_outbox):
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint)
    drain()
    assert phone_of(bob, clinic) in {m["to"] for m in sms_outbox}


def test_a_shift_that_has_ended_does_not_count(clinic, bob, sms_outbox):
    t0 = timezone.now()
    admin = staff(clinic, "adam", Role.CLINIC_ADMIN)
    OnCallShift.objects.create(
        clinic=clinic,
        user=bob,
        role="primary",
        starts_at=t0 - dt.timedelta(days=2),
        ends_at=t0 - dt.timedelta(hours=1),
    )
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    drain()
    assert phone_of(admin, clinic) in {m["to"] for m in sms_outbox}


def test_the_sweep_skips_escalations_already_owned(clinic, bob):
    t0 = timezone.now()
    roster(clinic, bob, around=t0)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    Escalation.objects.update(status=EscalationStatus.ACKNOWLEDGED)
    assert escalations_repage_due(now=t0 + dt.timedelta(hours=1))["escalations_repaged"] == 0
    assert Page.objects.count() == 2  # bob's first SMS and email only


def test_a_higher_tier_for_the_same_problem_starts_the_higher_chain_now(clinic, bob, sms_outbox):
    from followup.models import Flag
    from followup.services.escalations import escalation_raise

    people = roster(clinic, bob, around=AFTER_HOURS)
    patient = PatientFactory(clinic=clinic)
    bob_phone, backup = phone_of(bob, clinic), phone_of(people["backup"], clinic)

    def flag(tier):
        return Flag.objects.create(
            patient=patient, rule_code="NECK_CONFUSION", tier=tier, reason=tier
        )

    escalation, created = escalation_raise(flag=flag("URGENT"), now=AFTER_HOURS)
    drain()
    assert created and len(pages_to(sms_outbox, bob_phone)) == 1  # after hours: on call

    upgraded_at = AFTER_HOURS + dt.timedelta(minutes=3)
    same, created = escalation_raise(flag=flag("EMERGENCY"), now=upgraded_at)
    drain()
    assert same == escalation and not created
    escalation.refresh_from_db()
    assert escalation.tier == "EMERGENCY"
    emergency_pages = pages_to(sms_outbox, bob_phone)
    assert len(emergency_pages) == 2 and "EMERGENCY flag" in emergency_pages[1]["body"]
    assert TimelineEvent.objects.filter(escalation=escalation, kind="escalation_upgraded").exists()

    escalations_repage_due(now=upgraded_at + dt.timedelta(minutes=9))
    drain()
    assert pages_to(sms_outbox, backup) == [], "the backup's 10 minutes count from the upgrade"
    escalations_repage_due(now=upgraded_at + dt.timedelta(minutes=10))
    drain()
    assert len(pages_to(sms_outbox, backup)) == 1


def test_a_lower_tier_for_the_same_problem_changes_nothing(clinic, bob, sms_outbox):
    from followup.models import Flag
    from followup.services.escalations import escalation_raise

    roster(clinic, bob, around=AFTER_HOURS)
    patient = PatientFactory(clinic=clinic)
    first = Flag.objects.create(
        patient=patient, rule_code="SOB_CHEST", tier="EMERGENCY", reason="x"
    )
    escalation, _ = escalation_raise(flag=first, now=AFTER_HOURS)
    second = Flag.objects.create(patient=patient, rule_code="SOB_CHEST", tier="ROUTINE", reason="y")
    escalation_raise(flag=second, now=AFTER_HOURS + dt.timedelta(minutes=1))
    escalation.refresh_from_db()
    assert escalation.tier == "EMERGENCY" and escalation.reason == "x"
    assert escalation.next_page_at == AFTER_HOURS + dt.timedelta(minutes=10)
