"""The sweep's batch path writes exactly what opening the checks one by one writes, and hands
every case it does not handle itself to the one-row path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from followup.dispatch import checkpoint_open
from followup.dispatch_batch import checkpoints_open_batch
from followup.models import Checkpoint, CheckpointStatus
from notifications.models import OutboundMessage
from patients.services import patient_opt_out
from tests.factories import PatientFactory, enroll

UTC = dt.UTC
PERFORMED = dt.date(2026, 6, 1)
ENROLLED_AT = dt.datetime(2026, 6, 1, 20, 0, tzinfo=UTC)
D14_SEND = dt.datetime(2026, 6, 15, 15, 0, tzinfo=UTC)  # 10:00 Chicago

pytestmark = pytest.mark.django_db

FIELDS = (
    "status",
    "status_reason",
    "channel",
    "opened_at",
    "last_activity_at",
    "next_reminder_at",
    "question_codes",
    "current_index",
    "attempts",
    "send_at",
)
MESSAGE_FIELDS = ("channel", "to", "body", "subject", "purpose", "unsolicited", "status")


def _cohort(clinic, physician, tag: str) -> list[int]:
    """Patients covering each way a due check can go: plain, Spanish, no baseline (asked first),
    email preferred, opted out, web form only (VA 48 h has text questions; ESI d14 too), and one
    patient with two checks due in the same batch."""
    people = [
        ({}, "ESI", {"baseline_pain": 7}),
        ({"language": "es"}, "ESI", {"baseline_pain": 6}),
        ({}, "ESI", {}),
        ({"email": f"{tag}@example.org", "preferred_channel": "email"}, "ESI", {}),
        ({"opted": True}, "ESI", {}),
        ({}, "FACET_SI", {"baseline_pain": 5}),
    ]
    ids = []
    for number, (extra, procedure, enrollment_extra) in enumerate(people):
        opted = extra.pop("opted", False)
        patient = PatientFactory(
            clinic=clinic, phone=f"+1512555{tag}{number}", mrn=f"{tag}-{number}", **extra
        )
        enrollment = enroll(
            patient=patient,
            physician=physician,
            procedure=procedure,
            performed_on=PERFORMED,
            now=ENROLLED_AT,
        )
        if enrollment_extra:
            type(enrollment).objects.filter(pk=enrollment.pk).update(**enrollment_extra)
        if opted:
            patient_opt_out(patient=patient, source="test")
        ids.append(enrollment.checkpoints.get(key="d14").pk)
    # The first patient's second enrollment: two checks of one patient due together.
    twin = enroll(
        patient=PatientFactory._meta.model.objects.get(mrn=f"{tag}-0"),
        physician=physician,
        procedure="FACET_SI",
        performed_on=PERFORMED,
        now=ENROLLED_AT,
    )
    ids.append(twin.checkpoints.get(key="d14").pk)
    return ids


def _claim(ids: list[int]) -> list[Checkpoint]:
    rows = Checkpoint.objects.select_for_update().select_related("enrollment__patient")
    return list(rows.filter(pk__in=ids).order_by("pk"))


def _state(ids: list[int]) -> list[tuple]:
    out = []
    for checkpoint in Checkpoint.objects.filter(pk__in=ids).order_by("pk"):
        messages = [
            tuple(getattr(m, f) for f in MESSAGE_FIELDS)
            for m in OutboundMessage.objects.filter(checkpoint=checkpoint).order_by("pk")
        ]
        out.append((tuple(getattr(checkpoint, f) for f in FIELDS), messages))
    return out


def _comparable(state: list[tuple]) -> list[tuple]:
    """Phone numbers differ between the two cohorts, and an email carries a random form link."""
    return [
        (fields, [(m[0], m[2] if m[0] == "sms" else "", *m[3:]) for m in messages])
        for fields, messages in state
    ]


def test_it_writes_what_the_one_row_path_writes(clinic, bob, django_capture_on_commit_callbacks):
    batch_ids = _cohort(clinic, bob, "10")
    single_ids = _cohort(clinic, bob, "20")
    with transaction.atomic():
        counts = checkpoints_open_batch(
            rows=_claim(batch_ids), now=D14_SEND, open_one=checkpoint_open
        )
    with transaction.atomic():
        expected = {}
        for row in _claim(single_ids):
            outcome = checkpoint_open(checkpoint=row, now=D14_SEND)
            expected[outcome] = expected.get(outcome, 0) + 1
    assert dict(counts) == expected
    batch, single = _state(batch_ids), _state(single_ids)
    assert _comparable(batch) == _comparable(single)
    opened = [s for s in batch if s[0][0] == CheckpointStatus.OPEN]
    assert len(opened) >= 4  # the common case really went through the batch path
    assert any("PAIN_BASELINE" in s[0][6] for s in batch)


def test_its_texts_are_sent_after_commit_once_each(
    clinic, bob, django_capture_on_commit_callbacks, sms_outbox
):
    from tests.conftest import drain_outbox

    ids = _cohort(clinic, bob, "30")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        checkpoints_open_batch(rows=_claim(ids), now=D14_SEND, open_one=checkpoint_open)
    drain_outbox()
    bodies = [(m["to"], m["body"]) for m in sms_outbox]
    assert (
        len(bodies)
        == len(set(bodies))
        == OutboundMessage.objects.filter(checkpoint_id__in=ids, channel="sms").count()
    )


def test_an_empty_batch_does_nothing():
    assert dict(checkpoints_open_batch(rows=[], now=D14_SEND, open_one=checkpoint_open)) == {}
