"""Test pages: clinic admins walk the EMERGENCY chain in test mode and see who got it and who
acknowledged; nothing becomes a patient's escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.models import Escalation, OnCallShift, Page
from followup.monitoring.models import TestPage, TestPageDelivery
from notifications.models import OutboundMessage
from patients.models import Role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(clinic, bob):
    """bob on call (primary), bea backup; lena lead."""
    now = timezone.now()
    bea = MembershipFactory(
        user=UserFactory(username="bea"), clinic=clinic, role=Role.PHYSICIAN
    ).user
    lena = MembershipFactory(
        user=UserFactory(username="lena"), clinic=clinic, role=Role.PHYSICIAN
    ).user
    for user, role in ((bob, "primary"), (bea, "backup"), (lena, "lead")):
        OnCallShift.objects.create(
            clinic=clinic,
            user=user,
            role=role,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=8),
        )
    return {"primary": bob, "backup": bea, "lead": lena}


def test_a_clinic_admin_sends_a_test_page_down_the_whole_chain(
    client, erin, chain, clinic, sms_outbox, drain
):
    client.force_login(erin)
    start = client.get(f"/ops/{clinic.slug}/test-page/")
    assert start.status_code == 200 and b"Send test page" in start.content
    response = client.post(f"/ops/{clinic.slug}/test-page/")
    test_page = TestPage.objects.get()
    assert (
        response.status_code == 302
        and response.url == f"/ops/{clinic.slug}/test-page/{test_page.pk}/"
    )

    drain()
    texts = {m["to"]: m["body"] for m in sms_outbox}
    phones = {name: user.memberships.get(clinic=clinic).page_phone for name, user in chain.items()}
    assert set(texts) == set(phones.values())
    assert all(body.startswith("TEST page from Austin Spine") for body in texts.values())
    assert all(len(body) <= 160 for body in texts.values())
    # Never a real incident: no escalation, no page rows, no patient.
    assert not Escalation.objects.exists() and not Page.objects.exists()
    assert not OutboundMessage.objects.filter(patient__isnull=False).exists()

    report = client.get(response.url).content.decode()
    assert '<span data-result="received">bea, bob, lena</span>' in report
    assert '<span data-result="acknowledged">nobody yet</span>' in report


def test_the_recipient_acknowledges_by_the_link_and_the_report_says_so(
    client, erin, chain, clinic, sms_outbox, drain
):
    client.force_login(erin)
    client.post(f"/ops/{clinic.slug}/test-page/")
    drain()
    bob_text = next(
        m["body"]
        for m in sms_outbox
        if m["to"] == chain["primary"].memberships.get(clinic=clinic).page_phone
    )
    link = bob_text.split("Acknowledge: ")[1].strip()
    path = link.replace("https://followup.test", "")

    # A link preview (GET) acknowledges nothing; another user cannot acknowledge it.
    client.force_login(chain["backup"])
    assert client.get(path).status_code == 403
    assert client.post(path).status_code == 403
    client.force_login(chain["primary"])
    assert client.get(path).status_code == 200
    assert not TestPageDelivery.objects.filter(acknowledged_at__isnull=False).exists()
    assert b"Acknowledged at" in client.post(path).content
    acked = TestPageDelivery.objects.filter(acknowledged_at__isnull=False)
    assert {d.recipient.username for d in acked} == {"bob"}

    client.force_login(erin)
    report = client.get(f"/ops/{clinic.slug}/test-page/{TestPage.objects.get().pk}/")
    assert '<span data-result="acknowledged">bob</span>' in report.content.decode()


def test_an_unknown_token_is_404(client, bob):
    client.force_login(bob)
    assert client.get("/ops/test-page/ack/nope/").status_code == 404


def test_only_the_clinics_admins_may_send_or_read_test_pages(
    client, alice, bob, erin, charlie, chain, clinic, other_clinic
):
    dave = MembershipFactory(
        user=UserFactory(username="dave"), clinic=other_clinic, role=Role.CLINIC_ADMIN
    ).user
    for user in (alice, bob, dave, charlie):
        client.force_login(user)
        assert client.get(f"/ops/{clinic.slug}/test-page/").status_code == 403
        assert client.post(f"/ops/{clinic.slug}/test-page/").status_code == 403
    assert not TestPage.objects.exists()
    client.force_login(erin)
    client.post(f"/ops/{clinic.slug}/test-page/")
    test_page = TestPage.objects.get()
    client.force_login(dave)
    assert client.get(f"/ops/{clinic.slug}/test-page/{test_page.pk}/").status_code == 403
    assert client.get(f"/ops/{other_clinic.slug}/test-page/{test_page.pk}/").status_code == 404
    client.logout()
    assert client.post(f"/ops/{clinic.slug}/test-page/").status_code == 302  # to sign-in
    assert TestPage.objects.count() == 1


def test_an_empty_roster_says_nobody_was_paged(client, erin, clinic):
    client.force_login(erin)
    response = client.post(f"/ops/{clinic.slug}/test-page/", follow=True)
    assert b'data-result="nobody"' in response.content
    assert not OutboundMessage.objects.exists()


def test_an_undeliverable_test_page_shows_failed(client, erin, chain, clinic, drain):
    from notifications.backends import DeliveryError, memory

    client.force_login(erin)
    client.post(f"/ops/{clinic.slug}/test-page/")
    memory.failures.append(DeliveryError("Twilio 21211: invalid To", permanent=True, code="21211"))
    drain()
    report = client.get(f"/ops/{clinic.slug}/test-page/{TestPage.objects.get().pk}/").content
    assert b"<strong>failed</strong>" in report
    assert not Escalation.objects.exists()  # a failed test page moves no chain
