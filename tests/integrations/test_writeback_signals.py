"""Write-back rows are written by the receivers of followup's signals, in the sender's transaction:
a rolled-back completion or flag leaves no row; a committed one leaves exactly one per channel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from followup.conversation.finishing import checkpoint_complete
from followup.flags import flag_create
from followup.models import Flag
from followup.signals import check_completed, flag_raised
from integrations.models import ClinicInterface, WriteBack
from integrations.writeback.queue import writeback_enqueue

from ..followup.outcomes_data import check, patient_enrolled

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


@pytest.fixture
def enrollment(clinic, bob):
    return patient_enrolled(clinic, bob, procedure="VA", mrn="MRN-S")


def enable(clinic, *, fhir: bool = True, hl7: bool = False) -> ClinicInterface:
    return ClinicInterface.objects.create(
        clinic=clinic,
        sending_facility="NORTHSIDE",
        writeback_enabled=True,
        writeback_fhir_url="http://127.0.0.1:9/fhir" if fhir else "",
        writeback_hl7_host="127.0.0.1" if hl7 else "",
        writeback_hl7_port=9 if hl7 else None,
        writeback_since=timezone.now() - dt.timedelta(minutes=1),
    )


def raise_flag(enrollment, now):
    return flag_create(
        patient=enrollment.patient,
        enrollment=enrollment,
        checkpoint=None,
        rule_code="RF_SOB_CHEST",
        tier="EMERGENCY",
        reason="chest pain or shortness of breath",
        evidence="words",
        source="test",
        inbound_message_id=None,
        now=now,
    )


def test_the_signals_are_sent_with_the_row(enrollment):
    got = []

    def on_check(sender, checkpoint, **kw):
        got.append(("check", checkpoint.pk))

    def on_flag(sender, flag, **kw):
        got.append(("flag", flag.pk))

    check_completed.connect(on_check)
    flag_raised.connect(on_flag)
    try:
        cp = check(enrollment, "d14")
        checkpoint_complete(checkpoint=cp, now=timezone.now())
        flag = raise_flag(enrollment, timezone.now())
    finally:
        check_completed.disconnect(on_check)
        flag_raised.disconnect(on_flag)
    assert got == [("check", cp.pk), ("flag", flag.pk)]


def test_a_rolled_back_completion_or_flag_writes_no_row(enrollment):
    enable(enrollment.clinic, hl7=True)
    cp = check(enrollment, "d14")
    with pytest.raises(Boom), transaction.atomic():
        checkpoint_complete(checkpoint=cp, now=timezone.now())
        raise_flag(enrollment, timezone.now())
        # Inside the transaction the rows exist: they were written with the change.
        assert WriteBack.objects.count() == 4
        raise Boom
    assert WriteBack.objects.count() == 0
    assert not Flag.objects.exists()
    # The safety net finds nothing either: nothing was committed.
    assert writeback_enqueue() == 0


def test_a_committed_completion_and_flag_write_exactly_one_row_each(enrollment):
    enable(enrollment.clinic)
    cp = check(enrollment, "d14")
    with transaction.atomic():
        checkpoint_complete(checkpoint=cp, now=timezone.now())
    flag = raise_flag(enrollment, timezone.now())
    # Completing again (a resubmitted form) and the sweep's safety net add nothing.
    checkpoint_complete(checkpoint=cp, now=timezone.now())
    assert writeback_enqueue() == 0
    rows = sorted(WriteBack.objects.values_list("key", "channel", "checkpoint_id", "flag_id"))
    assert rows == [
        (f"check/{cp.pk}", "fhir", cp.pk, None),
        (f"flag/{flag.pk}", "fhir", None, flag.pk),
    ]


def test_each_configured_channel_gets_its_own_row(enrollment):
    enable(enrollment.clinic, fhir=True, hl7=True)
    cp = check(enrollment, "d14")
    checkpoint_complete(checkpoint=cp, now=timezone.now())
    assert sorted(WriteBack.objects.values_list("key", "channel")) == [
        (f"check/{cp.pk}", "fhir"),
        (f"hl7/check/{cp.pk}", "hl7"),
    ]


def test_nothing_is_queued_when_write_back_is_off_or_for_results_before_it_was_on(enrollment):
    cp = check(enrollment, "d14")
    checkpoint_complete(checkpoint=cp, now=timezone.now())  # no interface at all
    interface = ClinicInterface.objects.create(clinic=enrollment.clinic, sending_facility="X")
    raise_flag(enrollment, timezone.now())  # interface, write-back off
    interface.writeback_enabled = True
    interface.writeback_fhir_url = "http://127.0.0.1:9/fhir"
    interface.save()
    raise_flag(enrollment, timezone.now() - dt.timedelta(days=1))  # before it was turned on
    assert WriteBack.objects.count() == 0
