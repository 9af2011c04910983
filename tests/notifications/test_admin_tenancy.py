"""The message logs in the admin: every clinic's patients' texts, so superusers only, read-only
(issue 20.1). ``notifications`` is the transport and knows no clinics, so it cannot scope rows.

alice is a clinic admin of clinic A with admin access, root a superuser. Users are built here
from the factories (this module must not import the domain's admin code, only its models).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from notifications.models import InboundMessage
from notifications.outbox import outbox_enqueue
from patients.models import Role
from tests.admin_people import as_, member, superuser
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(clinic):
    user = member("alice", clinic, Role.CLINIC_ADMIN)
    # Even granted the model permissions outright, a clinic admin does not get the logs.
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="notifications"))
    return user


@pytest.fixture
def root(db):
    return superuser()


@pytest.fixture
def logs(other_clinic):
    patient = PatientFactory(clinic=other_clinic)
    sent = outbox_enqueue(
        key="t-1",
        channel="sms",
        to=patient.phone,
        body="How is your pain?",
        purpose="question",
        patient=patient,
    )
    received = InboundMessage.objects.create(
        message_sid="SM" + "1" * 32, from_number=patient.phone, body="yes", patient=patient
    )
    return sent, received


def test_a_clinic_admin_cannot_read_or_write_the_message_logs(alice, logs):
    sent, received = logs
    client = as_(alice)

    for url in [
        "/admin/notifications/outboundmessage/",
        f"/admin/notifications/outboundmessage/{sent.pk}/change/",
        f"/admin/notifications/inboundmessage/{received.pk}/change/",
        "/admin/notifications/inboundmessage/add/",
    ]:
        assert client.get(url).status_code in (403, 302), url
    changed = client.post(
        f"/admin/notifications/inboundmessage/{received.pk}/change/", {"body": "no"}
    )
    assert changed.status_code in (403, 302)
    received.refresh_from_db()
    assert received.body == "yes"
    assert b"notifications" not in client.get("/admin/").content.lower()


def test_a_superuser_reads_them_but_cannot_rewrite_them(root, logs):
    sent, received = logs
    client = as_(root)

    assert client.get(f"/admin/notifications/outboundmessage/{sent.pk}/change/").status_code == 200
    assert client.get("/admin/notifications/inboundmessage/add/").status_code == 403
    client.post(f"/admin/notifications/inboundmessage/{received.pk}/change/", {"body": "no"})
    received.refresh_from_db()
    assert received.body == "yes"
