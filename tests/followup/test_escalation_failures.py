"""A page that cannot be delivered moves the chain on at once and tells the clinic admins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.models import Escalation, Page, TimelineEvent
from followup.services.redflags import redflags_from_answers
from notifications.backends import DeliveryError, memory
from notifications.models import OutboundMessage
from notifications.signals import FAILURE_INVALID_NUMBER
from patients.models import Patient

from .test_escalation_chain import answer, drain, enrolled_checkpoint, phone_of, roster

pytestmark = pytest.mark.django_db


def _emergency(clinic, bob, t0):
    people = roster(clinic, bob, around=t0)
    checkpoint = enrolled_checkpoint(clinic, bob)
    answer(checkpoint, "RF_SOB_CHEST", True)
    redflags_from_answers(checkpoint=checkpoint, now=t0)
    return people, Escalation.objects.get()


def test_an_invalid_page_number_pages_the_backup_at_once_and_alerts_the_admin(
    clinic, bob, sms_outbox
):
    t0 = timezone.now()
    memory.failures.append(
        DeliveryError(
            "Twilio 21211: invalid To", permanent=True, code="21211", reason=FAILURE_INVALID_NUMBER
        )
    )
    people, escalation = _emergency(clinic, bob, t0)
    drain()

    backup, admin = phone_of(people["backup"], clinic), phone_of(people["admin"], clinic)
    delivered = [m["to"] for m in sms_outbox]
    assert phone_of(bob, clinic) not in delivered
    assert backup in delivered, "the backup is paged without waiting for +10 min"
    alert = [m for m in sms_outbox if m["to"] == admin]
    assert len(alert) == 1 and "bob" in alert[0]["body"] and escalation.code in alert[0]["body"]
    assert "21211" in alert[0]["body"]

    escalation.refresh_from_db()
    assert escalation.current_step == 2 and escalation.next_page_at == t0 + dt.timedelta(minutes=20)
    failed = Page.objects.get(recipient=bob, channel="sms")
    assert failed.failed_at is not None
    kinds = set(TimelineEvent.objects.filter(escalation=escalation).values_list("kind", flat=True))
    assert {"page_failed", "chain_advanced"} <= kinds
    # A page is not a patient message: the patient's own phone is untouched by a page failure.
    assert Patient.objects.get().phone_invalid_at is None


def test_retries_exhausted_move_the_chain_like_a_permanent_error(clinic, bob, sms_outbox, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    memory.failures.append(DeliveryError("Twilio 500: server error", code="500"))
    people, escalation = _emergency(clinic, bob, timezone.now())
    drain()
    assert phone_of(people["backup"], clinic) in [m["to"] for m in sms_outbox]
    assert OutboundMessage.objects.get(purpose="page", to=phone_of(bob, clinic)).status == "failed"


def test_a_temporary_failure_is_retried_and_does_not_move_the_chain(clinic, bob, sms_outbox):
    memory.failures.append(DeliveryError("Twilio 500", code="500"))
    people, escalation = _emergency(clinic, bob, timezone.now())
    drain()
    assert phone_of(people["backup"], clinic) not in [m["to"] for m in sms_outbox]
    escalation.refresh_from_db()
    assert escalation.current_step == 1
    assert OutboundMessage.objects.get(purpose="page", to=phone_of(bob, clinic)).status == "pending"


def test_a_failed_page_after_someone_acknowledged_only_alerts(clinic, bob, sms_outbox):
    from followup.services.escalations import escalation_acknowledge, escalation_page_failed

    people, escalation = _emergency(clinic, bob, timezone.now())
    assert escalation_acknowledge(escalation=escalation, user=bob, via="web")
    page = Page.objects.get(recipient=bob, channel="sms")
    escalation_page_failed(page=page, error="30006")
    drain()
    assert phone_of(people["backup"], clinic) not in [m["to"] for m in sms_outbox]
    assert phone_of(people["admin"], clinic) in [m["to"] for m in sms_outbox]
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged"


def test_the_same_failure_reported_twice_is_handled_once(clinic, bob):
    from followup.services.escalations import escalation_page_failed

    _people, escalation = _emergency(clinic, bob, timezone.now())
    page = Page.objects.get(recipient=bob, channel="sms")
    escalation_page_failed(page=page, error="21211")
    escalation_page_failed(page=page, error="21211")
    escalation.refresh_from_db()
    assert escalation.current_step == 2
    assert TimelineEvent.objects.filter(kind="page_failed").count() == 1


def test_when_the_last_step_fails_the_admins_and_lead_are_paged(clinic, bob, sms_outbox):
    t0 = timezone.now()
    people, escalation = _emergency(clinic, bob, t0)
    from followup.dispatch import dispatch_due

    dispatch_due(now=t0 + dt.timedelta(minutes=10))
    memory.reset()
    # Make every further SMS to the lead fail for good.
    lead_phone = phone_of(people["lead"], clinic)
    drain()
    memory.failures.append(
        DeliveryError("Twilio 21211", permanent=True, code="21211", reason=FAILURE_INVALID_NUMBER)
    )
    dispatch_due(now=t0 + dt.timedelta(minutes=20))
    drain()
    assert lead_phone not in [m["to"] for m in sms_outbox]
    admin_pages = Page.objects.filter(
        escalation=escalation, recipient=people["admin"], channel="sms"
    )
    assert admin_pages.count() == 1, (
        "the admin is paged (and may ACK) when the chain has nobody left"
    )


def test_an_undeliverable_nurse_page_in_hours_brings_the_on_call_forward(
    clinic, bob, alice, sms_outbox
):
    from .test_escalation_chain import IN_HOURS

    roster(clinic, bob, around=IN_HOURS)
    memory.failures.append(
        DeliveryError(
            "Twilio 30006: landline", permanent=True, code="30006", reason=FAILURE_INVALID_NUMBER
        )
    )
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    answer(checkpoint, "RF_WOUND", True)
    redflags_from_answers(checkpoint=checkpoint, now=IN_HOURS)
    drain()
    assert phone_of(alice, clinic) not in [m["to"] for m in sms_outbox]
    assert phone_of(bob, clinic) in [m["to"] for m in sms_outbox], "not 60 minutes later: now"
