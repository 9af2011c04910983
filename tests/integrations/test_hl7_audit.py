"""Enrollments the HL7 feed creates, withdraws or moves are audited (no user: the EHR did it),
with ids and codes only; a resend audits nothing twice; an error audits nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.models import Enrollment
from integrations.hl7.feed import hl7_receive
from integrations.models import Hl7Message
from patients.models import AuditEvent

from .test_hl7_feed import SCHEDULED, interface, siu  # noqa: F401 - the fixture is used

pytestmark = pytest.mark.django_db


def events():
    return list(
        AuditEvent.objects.order_by("pk").values_list(
            "action", "object_type", "object_id", "user_id", "detail"
        )
    )


def test_a_created_enrollment_is_audited_once(interface):  # noqa: F811
    hl7_receive(raw=siu("S12", "MSG-1"))
    hl7_receive(raw=siu("S12", "MSG-1"))  # resend: same ACK, nothing processed
    enrollment = Enrollment.objects.get()
    row = Hl7Message.objects.get()
    ((action, otype, oid, user, detail),) = events()
    assert (action, otype, oid, user) == ("create", "enrollment", str(enrollment.pk), None)
    assert detail == {
        "via": "hl7",
        "event": "created",
        "hl7_message": row.pk,
        "control_id": "MSG-1",
        "sending_facility": "NORTHSIDE",
    }
    event = AuditEvent.objects.get()
    assert event.patient_id == enrollment.patient_id and event.clinic_id == enrollment.clinic_id
    # No patient details in the event.
    assert "Ruiz" not in str(detail) and "A-1001" not in str(detail)


def test_cancel_and_reschedule_are_audited(interface):  # noqa: F811
    hl7_receive(raw=siu("S12", "MSG-1", day=SCHEDULED))
    first = Enrollment.objects.get()
    hl7_receive(
        raw=siu(
            "S14",
            "MSG-2",
            day=SCHEDULED + dt.timedelta(days=1),
        )
    )
    second = Enrollment.objects.exclude(pk=first.pk).get()
    hl7_receive(raw=siu("S15", "MSG-3"))
    got = [(a, oid, d["event"]) for a, _, oid, _, d in events()]
    assert got == [
        ("create", str(first.pk), "created"),
        ("create", str(second.pk), "created"),
        ("change", str(first.pk), "rescheduled"),
        ("change", str(second.pk), "withdrawn"),
    ]


def test_an_application_error_audits_nothing(interface):  # noqa: F811
    hl7_receive(raw=siu("S12", "MSG-1", code="99999"))
    assert not Enrollment.objects.exists() and events() == []
