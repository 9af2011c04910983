"""Reminders: unstarted or stalled checks only, at most 2, protocol spacing, never after completion,
never in quiet hours, within the unsolicited-message cap."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from followup.dispatch import dispatch_due
from followup.models import Checkpoint, CheckpointStatus
from followup.reminder_policy import MAX_REMINDERS, reminder_policy
from followup.reminders import reminders_send_due
from notifications.inbound import inbound_process, inbound_store
from notifications.models import OutboundMessage, OutboundStatus
from patients.services import patient_opt_out
from tests.survey_helpers import new_sid, start_survey

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# Noon in Chicago on a plain weekday: far from quiet hours and DST changes.
T0 = dt.datetime(2026, 10, 14, 12, 0, tzinfo=CHICAGO)
H = dt.timedelta(hours=1)


@pytest.fixture
def checkpoint(clinic, bob):
    return start_survey(clinic=clinic, physician=bob, now=T0)


def reminders(checkpoint) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(checkpoint=checkpoint, purpose="reminder").order_by("id")
    )


def text(checkpoint, body: str, at: dt.datetime) -> None:
    phone = checkpoint.enrollment.patient.phone
    inbound_process(
        inbound_id=inbound_store(params={"MessageSid": new_sid(), "From": phone, "Body": body}),
        now=at,
    )


def test_the_policy_caps_the_protocols_three_reminders_at_two(checkpoint):
    count, spacing = reminder_policy(checkpoint)
    assert checkpoint.enrollment.protocol.checkpoints[1]["reminders"]["max"] == 3
    assert (count, spacing) == (MAX_REMINDERS, 72 * H) == (2, 72 * H)


def test_an_unstarted_check_is_reminded_at_the_protocol_spacing(checkpoint, clinic):
    assert checkpoint.next_reminder_at == T0 + 72 * H
    assert reminders_send_due(now=T0 + 71 * H)["reminders_sent"] == 0
    assert reminders_send_due(now=T0 + 72 * H)["reminders_sent"] == 1
    (reminder,) = reminders(checkpoint)
    assert reminder.unsolicited and reminder.channel == "sms"
    # The question it waits for: the red-flag checklist (issue 23), with its 911 line.
    assert reminder.body == (
        f"{clinic.name} reminder: (1/5) Do you have any of these? Reply with the numbers (e.g. 1 3), "
        "or 0 for none:\n1 new or worse weakness in legs or arms\n2 new trouble controlling bladder "
        "or bowels, or numb groin or inner thighs\nIf you have any of these now, call 911."
    )
    checkpoint.refresh_from_db()
    assert checkpoint.reminders_sent == 1 and checkpoint.next_reminder_at == T0 + 144 * H


def test_there_are_never_more_than_two_reminders(checkpoint):
    for hours in (72, 144, 216, 288, 360):
        reminders_send_due(now=T0 + hours * H)
    assert len(reminders(checkpoint)) == 2
    checkpoint.refresh_from_db()
    assert checkpoint.next_reminder_at is None


def test_the_same_due_reminder_is_sent_once_even_if_swept_twice(checkpoint):
    reminders_send_due(now=T0 + 72 * H)
    Checkpoint.objects.filter(pk=checkpoint.pk).update(
        next_reminder_at=T0 + 72 * H, reminders_sent=0
    )
    reminders_send_due(now=T0 + 72 * H + dt.timedelta(minutes=1))
    assert len(reminders(checkpoint)) == 1  # same idempotency key: the outbox refuses a second row


def test_a_stalled_check_is_reminded_with_the_question_it_stopped_at(checkpoint, clinic):
    text(checkpoint, "0", T0 + 2 * H)  # the checklist: none
    reminders_send_due(now=T0 + 74 * H)
    assert [r.body for r in reminders(checkpoint)] == [
        f"{clinic.name} reminder: (2/5) How bad is your pain right now, from 0 (no pain) to 10 (worst pain you "
        "can imagine)? Reply with one number"
    ]


def test_a_patient_who_is_answering_is_not_reminded(checkpoint):
    text(checkpoint, "no", T0 + 70 * H)
    checkpoint.refresh_from_db()
    assert checkpoint.next_reminder_at == T0 + 142 * H
    assert reminders_send_due(now=T0 + 72 * H)["reminders_sent"] == 0
    assert reminders(checkpoint) == []


def test_no_reminder_after_completion(client, clinic, bob):
    checkpoint = start_survey(
        clinic=clinic, physician=bob, procedure="TUMOR_ABLATION", key="w6", days_ago=45, now=T0
    )
    assert checkpoint.next_reminder_at is not None
    for hour, body in enumerate(("no", "no", "no", "yes", "2", "no"), start=1):
        text(checkpoint, body, T0 + hour * H)
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.COMPLETED and checkpoint.next_reminder_at is None
    summary = reminders_send_due(now=T0 + 400 * H)
    assert summary["reminders_sent"] == 0 and reminders(checkpoint) == []


def test_completion_cancels_a_reminder_still_waiting_in_the_outbox(clinic, bob):
    checkpoint = start_survey(
        clinic=clinic, physician=bob, procedure="TUMOR_ABLATION", key="w6", days_ago=45, now=T0
    )
    reminders_send_due(now=T0 + 72 * H)
    (reminder,) = reminders(checkpoint)
    assert reminder.status == OutboundStatus.PENDING
    for hour, body in enumerate(("no", "no", "no", "yes", "2", "no"), start=73):
        text(checkpoint, body, T0 + hour * H)
    reminder.refresh_from_db()
    assert reminder.status == OutboundStatus.CANCELLED


def test_no_reminder_in_quiet_hours(checkpoint, clinic):
    clinic.quiet_hours_start, clinic.quiet_hours_end = dt.time(21, 0), dt.time(8, 0)
    clinic.save()
    late_evening = dt.datetime(2026, 10, 17, 22, 30, tzinfo=CHICAGO)
    Checkpoint.objects.filter(pk=checkpoint.pk).update(next_reminder_at=late_evening)
    summary = reminders_send_due(now=late_evening)
    assert summary["reminders_deferred"] == 1 and reminders(checkpoint) == []
    checkpoint.refresh_from_db()
    assert checkpoint.next_reminder_at == dt.datetime(2026, 10, 18, 8, 0, tzinfo=CHICAGO)
    reminders_send_due(now=checkpoint.next_reminder_at)
    assert len(reminders(checkpoint)) == 1


def test_the_unsolicited_cap_defers_a_reminder(checkpoint, clinic):
    patient = checkpoint.enrollment.patient
    # Another check opened for the same patient this morning: that was today's unsolicited text.
    OutboundMessage.objects.create(
        idempotency_key="other-check:open",
        channel="sms",
        to=patient.phone,
        body="x",
        purpose="check_open",
        patient=patient,
        unsolicited=True,
        created_at=T0 + 70 * H,
    )
    assert reminders_send_due(now=T0 + 72 * H)["reminders_deferred"] == 1
    checkpoint.refresh_from_db()
    assert checkpoint.next_reminder_at >= T0 + 94 * H
    assert reminders(checkpoint) == []


def test_replies_inside_a_conversation_do_not_count_against_the_cap(checkpoint):
    for hour in range(1, 3):
        text(checkpoint, "no", T0 + hour * H)
    assert (
        OutboundMessage.objects.filter(
            patient=checkpoint.enrollment.patient, unsolicited=True
        ).count()
        == 1
    )
    reminders_send_due(now=T0 + 80 * H)
    assert len(reminders(checkpoint)) == 1


def test_no_reminder_runs_past_the_window(clinic, bob):
    # VA 48-72 h check: window of two days, one reminder at 24 h; none after the window.
    checkpoint = start_survey(
        clinic=clinic, physician=bob, procedure="VA", key="h48", days_ago=2, now=T0
    )
    Checkpoint.objects.filter(pk=checkpoint.pk).update(next_reminder_at=checkpoint.closes_at - H)
    checkpoint.refresh_from_db()
    clinic.quiet_hours_start, clinic.quiet_hours_end = dt.time(21, 0), dt.time(8, 0)
    clinic.save()
    # Due in quiet hours just before the close: deferring would land after it, so it is dropped.
    reminders_send_due(now=checkpoint.closes_at - H)
    checkpoint.refresh_from_db()
    assert checkpoint.next_reminder_at is None and reminders(checkpoint) == []


def test_a_check_waiting_for_its_form_is_reminded_with_a_fresh_link(checkpoint, clinic):
    for hour, body in enumerate(("no", "no", "3", "3", "1", "1", "no"), start=1):
        text(checkpoint, body, T0 + hour * H)
    checkpoint.refresh_from_db()
    assert checkpoint.status_reason == "waiting for web form"
    reminders_send_due(now=T0 + 100 * H)
    (reminder,) = reminders(checkpoint)
    assert reminder.body.startswith(f"{clinic.name} reminder: Please fill in a short form")
    assert "https://followup.test/f/" in reminder.body


def test_an_email_check_is_reminded_by_email(clinic, bob):
    checkpoint = start_survey(
        clinic=clinic, physician=bob, preferred_channel="email", email="ana@example.org", now=T0
    )
    assert checkpoint.channel == "email"
    reminders_send_due(now=T0 + 72 * H)
    (reminder,) = reminders(checkpoint)
    assert reminder.channel == "email" and reminder.to == "ana@example.org" and reminder.unsolicited
    assert "reminder" in reminder.subject.lower() and "/f/" in reminder.body


def test_a_patient_who_opted_out_is_reminded_by_email_or_not_at_all(clinic, bob):
    with_email = start_survey(clinic=clinic, physician=bob, email="ana@example.org", now=T0)
    without = start_survey(clinic=clinic, physician=bob, now=T0)
    for checkpoint in (with_email, without):
        patient_opt_out(patient=checkpoint.enrollment.patient, source="test")
    reminders_send_due(now=T0 + 72 * H)
    assert not OutboundMessage.objects.filter(purpose="reminder", channel="sms").exists()
    with_email.refresh_from_db()
    without.refresh_from_db()
    assert with_email.channel == "email"
    assert OutboundMessage.objects.filter(checkpoint=with_email, channel="email").exists()
    assert without.next_reminder_at is None and without.status_reason.startswith("unreachable")


def test_the_dispatch_sweep_runs_the_survey_step(checkpoint):
    summary = dispatch_due(now=T0 + 72 * H)
    assert summary["reminders_sent"] == 1
    assert {"inbound_retried", "sender_prompts_closed"} <= set(summary)


def test_an_unfinished_check_becomes_missed_when_its_window_closes(checkpoint):
    text(checkpoint, "no", T0 + H)
    summary = dispatch_due(now=checkpoint.closes_at)
    assert summary["checks_missed"] == 1
    checkpoint.refresh_from_db()
    assert (
        checkpoint.status == CheckpointStatus.MISSED
        and checkpoint.status_reason == "window closed, partly answered"
    )
    assert timezone.is_aware(checkpoint.closed_at)
