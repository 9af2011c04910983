"""Test pages: a clinic admin walks the clinic's EMERGENCY chain to see that it reaches people.

Every step's people get the page at once (a drill must not take the chain's 20 minutes), through
the outbox like a real page, but as a staff notice (purpose ``staff_alert``): no ``Page`` row, no
``Escalation``, no patient, and a failure does not move any chain. The text starts with TEST and
carries a link the recipient opens to acknowledge; the report shows who received it (the outbox
row's status) and who acknowledged.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue
from notifications.sms_encoding import to_gsm7_safe
from patients.models import Clinic, ClinicMembership, Role

from ..models import Tier
from ..services.escalations import chain_steps, clinic_in_business_hours, on_call
from .models import TestPage, TestPageDelivery

RECEIVED = {OutboundStatus.SENT, OutboundStatus.DELIVERED}
NOT_RECEIVED = {OutboundStatus.FAILED, OutboundStatus.UNDELIVERED, OutboundStatus.CANCELLED}


def _step_people(clinic: Clinic, step: dict, at: dt.datetime) -> list[ClinicMembership]:
    kind, _, value = str(step.get("target", "")).partition(":")
    hours = step.get("hours")
    if hours is not None and (hours == "business") != clinic_in_business_hours(
        clinic=clinic, at=at
    ):
        return []
    if kind == "oncall":
        return on_call(clinic=clinic, role=value, at=at)
    members = ClinicMembership.objects.filter(clinic=clinic, is_active=True).select_related("user")
    if kind == "role":
        return list(members.filter(role=value))
    if kind == "user":
        return list(members.filter(user__username=value))
    return []


def ack_link(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/ops/test-page/ack/{token}/"


def testpage_send(*, clinic: Clinic, user, now: dt.datetime | None = None) -> TestPage:
    """Send a TEST page to everyone the clinic's EMERGENCY chain would page now."""
    now = now or timezone.now()
    name = to_gsm7_safe(clinic.name)[:40]
    with transaction.atomic():
        test_page = TestPage.objects.create(clinic=clinic, requested_by=user, created_at=now)
        for number, step in enumerate(chain_steps(clinic=clinic, tier=Tier.EMERGENCY)):
            for membership in _step_people(clinic, step, now):
                for channel, to in (
                    ("sms", membership.page_phone),
                    ("email", membership.page_email),
                ):
                    if not to:
                        continue
                    token = secrets.token_urlsafe(16)
                    text = (
                        f"TEST page from {name}, no patient, not an emergency. "
                        f"Step {number + 1}. Acknowledge: {ack_link(token)}"
                    )
                    message = outbox_enqueue(
                        key=f"testpage:{test_page.pk}:{number}:{membership.user_id}:{channel}",
                        channel=channel,
                        to=to,
                        body=text,
                        subject=f"TEST page: {name}" if channel == "email" else "",
                        purpose="staff_alert",
                        recipient_user=membership.user,
                        now=now,
                    )
                    TestPageDelivery.objects.create(
                        test_page=test_page,
                        recipient=membership.user,
                        step=number + 1,
                        target=str(step.get("target", ""))[:60],
                        channel=channel,
                        outbound_message_id=message.pk,
                        token=token,
                    )
    return test_page


def testpage_report(*, test_page: TestPage) -> dict:
    """Who it went to, whether it arrived, who acknowledged (and who was never reached)."""
    deliveries = list(test_page.deliveries.select_related("recipient"))
    statuses = dict(
        OutboundMessage.objects.filter(
            pk__in=[d.outbound_message_id for d in deliveries if d.outbound_message_id]
        ).values_list("pk", "status")
    )
    rows = []
    for delivery in deliveries:
        status = statuses.get(delivery.outbound_message_id, "")
        rows.append(
            {
                "delivery": delivery,
                "status": status,
                "received": status in RECEIVED,
                "failed": status in NOT_RECEIVED,
            }
        )
    return {
        "rows": rows,
        "nobody": not deliveries,
        "received": sorted({r["delivery"].recipient.get_username() for r in rows if r["received"]}),
        "acknowledged": sorted(
            {d.recipient.get_username() for d in deliveries if d.acknowledged_at}
        ),
    }


def testpage_acknowledge(*, token: str, user, now: dt.datetime | None = None) -> TestPageDelivery:
    """Record the recipient's acknowledgement (every channel of that step). Only the recipient
    may acknowledge: LookupError for an unknown token, PermissionError for someone else."""
    delivery = TestPageDelivery.objects.filter(token=token).select_related("test_page").first()
    if delivery is None:
        raise LookupError("unknown test page")
    if delivery.recipient_id != user.pk:
        raise PermissionError("this test page was sent to someone else")
    TestPageDelivery.objects.filter(
        test_page=delivery.test_page,
        recipient_id=user.pk,
        step=delivery.step,
        acknowledged_at__isnull=True,
    ).update(acknowledged_at=now or timezone.now())
    delivery.refresh_from_db()
    return delivery


def may_send_test_page(*, user, clinic: Clinic) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return ClinicMembership.objects.filter(
        user=user, clinic=clinic, role=Role.CLINIC_ADMIN, is_active=True, user__is_active=True
    ).exists()
