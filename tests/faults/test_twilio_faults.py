"""Item 4: Twilio failing the ways it fails, against a real worker and beat.

Temporary failures (30 % random 500s, 429 with Retry-After, a request that hangs, an RFC 9457
problem with a 503) are retried with exponential backoff until sent; permanent ones (21211, 21610,
30006, an RFC 9457 21211) are tried once, mark the patient's number and show on the staff
worklists; a clinician page that fails for good moves the escalation to the next person at once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from followup.models import Checkpoint, Escalation, Page, TimelineEvent
from followup.selectors.triage import worklist_items
from notifications.backends import get_sms_backend
from notifications.models import OutboundMessage, OutboundStatus
from notifications.outbox import outbox_enqueue
from patients.models import Patient
from tests.factories import PatientFactory, enroll

from .conftest import (
    BACKOFF_BASE_SECONDS,
    SENDING_TIMEOUT_SECONDS,
    SMS_PATH,
    TWILIO_TIMEOUT_SECONDS,
    assert_sent_exactly_once,
    inbound_params,
    signed_post,
    wait_until,
)

pytestmark = [pytest.mark.faults]


def _requests_to(fake, number: str) -> list[dict]:
    return [r for r in fake.requests if r["to"] == number]


def test_it_has_an_explicit_timeout_on_every_twilio_call(settings):
    client = get_sms_backend().client.http_client
    assert client.timeout == TWILIO_TIMEOUT_SECONDS == settings.TWILIO_TIMEOUT_SECONDS


def test_it_retries_temporary_twilio_failures_with_backoff_until_each_text_is_sent_once(
    processes, fake_twilio, report
):
    fake_twilio.set_fault_rate(0.3, seed=11)  # 30 % of sends answer 500
    numbers = [f"+1512888{i:04d}" for i in range(30)]
    rate_limited, hung, problem = numbers[:3]
    fake_twilio.push("rate_limited", to=rate_limited, retry_after=3)
    fake_twilio.push("hang", to=hung, seconds=5)
    fake_twilio.push(
        "problem", to=problem, status=503, code=20503, title="Service Unavailable", detail="busy"
    )
    # Thirty-odd attempts at 30 % may fail five times in a row somewhere; allow a few more tries.
    worker = processes.worker(env={"OUTBOX_MAX_ATTEMPTS": "12"})
    processes.beat()
    with transaction.atomic():
        ids = [
            outbox_enqueue(
                key=f"temp:{n}", channel="sms", to=n, body=f"Check {i}", purpose="other"
            ).pk
            for i, n in enumerate(numbers)
        ]
    wait_until(
        lambda: (
            OutboundMessage.objects.filter(pk__in=ids, status=OutboundStatus.SENT).count()
            == len(ids)
        ),
        timeout=120,
        what="every text sent despite the faults",
    )
    assert_sent_exactly_once(fake_twilio, ids)

    # 429: the next try waits at least Retry-After (3 s), not just the 1 s backoff.
    tries = _requests_to(fake_twilio, rate_limited)
    assert tries[0]["response_status"] == 429 and tries[-1]["response_status"] == 201
    assert tries[1]["time"] - tries[0]["time"] >= 3 - 0.05
    # A hang is cut off by the client's timeout; the row is reconciled before it is resent.
    tries = _requests_to(fake_twilio, hung)
    hung_row = OutboundMessage.objects.get(to=hung)
    assert tries[0]["behaviour"] == "hang"
    assert f"message {hung_row.pk} unknown after attempt 1" in worker.output(200_000)
    assert tries[1]["time"] - tries[0]["time"] >= SENDING_TIMEOUT_SECONDS
    # RFC 9457 problem (TwilioServiceException): temporary here, so retried.
    tries = _requests_to(fake_twilio, problem)
    assert tries[0]["behaviour"] == "problem" and tries[-1]["response_status"] == 201
    # Exponential backoff: the k-th retry waits at least base * 2**(k-1) after the one before.
    retried = 0
    for number in numbers[3:]:
        times = [r["time"] for r in _requests_to(fake_twilio, number)]
        for k, (before, after) in enumerate(zip(times, times[1:], strict=False), start=1):
            assert after - before >= BACKOFF_BASE_SECONDS * 2 ** (k - 1) - 0.05, (number, times)
        retried += len(times) > 1
    server_errors = sum(1 for r in fake_twilio.requests if r["response_status"] == 500)
    assert server_errors >= 5 and retried >= 3
    report(
        scenario="4 temporary Twilio faults",
        texts=len(ids),
        api_requests=len(fake_twilio.requests),
        server_errors_500=server_errors,
        rate_limited_429=1,
        hangs_cut_by_timeout=1,
        rfc9457_503=1,
        texts_retried=retried + 3,
        sent=len(fake_twilio.messages),
        duplicates=len(fake_twilio.messages) - len(ids),
    )


PERMANENT = {
    "+15128880101": ("invalid_number", {}, "21211"),
    "+15128880102": ("unsubscribed", {}, "21610"),
    "+15128880103": ("unreachable", {}, "30006"),
    "+15128880104": ("problem", {"status": 400, "code": 21211}, "21211"),
}


def test_it_stops_at_permanent_twilio_errors_and_shows_the_patients_to_staff(
    processes, fake_twilio, site, report
):
    now = timezone.now()
    patients = {}
    for number, (behaviour, options, _code) in PERMANENT.items():
        fake_twilio.set_default(behaviour, to=number, **options)
        patient = PatientFactory(clinic=site.clinic, phone=number)
        enroll(
            patient=patient,
            physician=site.physician,
            performed_on=(now - dt.timedelta(days=95)).date(),
            now=now,
        )
        patients[number] = patient
    processes.worker()
    processes.beat()
    wait_until(
        lambda: OutboundMessage.objects.filter(status=OutboundStatus.FAILED).count() == 4,
        timeout=30,
        what="four permanent failures",
    )
    wait_until(
        lambda: Patient.objects.filter(phone_invalid_at__isnull=False).count() == 3,
        timeout=10,
        what="three numbers marked unusable",
    )
    for number, (_behaviour, _options, code) in PERMANENT.items():
        assert len(_requests_to(fake_twilio, number)) == 1, f"{number} was retried"
        row = OutboundMessage.objects.get(to=number)
        assert (row.status, row.error_code, row.attempts) == (OutboundStatus.FAILED, code, 1)
    assert fake_twilio.messages == []
    opted_out = Patient.objects.get(phone="+15128880102")
    assert opted_out.opted_out_at is not None and not opted_out.can_text
    unusable = set(
        Patient.objects.filter(phone_invalid_at__isnull=False).values_list("phone", flat=True)
    )
    assert unusable == {"+15128880101", "+15128880103", "+15128880104"}
    checks = Checkpoint.objects.filter(enrollment__patient__phone__in=PERMANENT, key="m3")
    assert all(c.status_reason.startswith("unreachable: SMS not delivered") for c in checks)
    # Staff see them: the unreachable and opted-out worklists, and each patient's timeline.
    unreachable = {i.patient.phone for i in worklist_items(user=site.nurse, worklist="unreachable")}
    assert unusable <= unreachable
    stopped = {i.patient.phone for i in worklist_items(user=site.nurse, worklist="opted_out")}
    assert "+15128880102" in stopped
    assert TimelineEvent.objects.filter(kind="unreachable").count() == 4
    report(
        scenario="4 permanent Twilio errors",
        codes=sorted(code for *_, code in PERMANENT.values()),
        attempts_each=1,
        numbers_marked_unusable=len(unusable),
        opted_out=1,
        on_unreachable_worklist=len(unusable & unreachable),
    )


def test_it_pages_the_next_person_at_once_when_a_page_fails_for_good(
    processes, fake_twilio, site, stack, report
):
    bob, bea, adam = (site.members[name] for name in ("bob", "bea", "adam"))
    fake_twilio.set_default("invalid_number", to=bob.page_phone)  # the primary's phone is dead
    fake_twilio.set_fault_rate(0.3, seed=5)  # and Twilio is flaky for everyone else
    patient = PatientFactory(clinic=site.clinic, phone="+15128880201")
    enroll(
        patient=patient,
        physician=site.physician,
        performed_on=(timezone.now() - dt.timedelta(days=20)).date(),  # the 2-week check
    )
    processes.worker(env={"OUTBOX_MAX_ATTEMPTS": "12"})
    processes.beat()
    wait_until(
        lambda: any(m["to"] == patient.phone for m in fake_twilio.messages),
        timeout=30,
        what="the check's first question",
    )
    response = signed_post(
        stack.web_url,
        SMS_PATH,
        # Item 1 of the 2-week red-flag checklist: short of breath or chest pain (EMERGENCY).
        inbound_params(sid="SM" + "f" * 32, from_=patient.phone, body="1"),
    )
    assert response.status_code == 200 and "<Message>" not in response.text
    wait_until(
        lambda: Escalation.objects.filter(patient=patient).exists(),
        timeout=30,
        what="the worker to process the yes",
    )
    escalation = Escalation.objects.get(patient=patient)
    wait_until(
        lambda: any(m["to"] == bea.page_phone for m in fake_twilio.messages),
        timeout=60,
        what="the backup's page",
    )
    paged_after = (timezone.now() - escalation.created_at).total_seconds()
    wait_until(
        lambda: any(m["to"] == adam.page_phone for m in fake_twilio.messages),
        timeout=60,
        what="the clinic admin's alert about the failed page",
    )
    assert paged_after < 60, "the backup was paged on the 10-minute timer, not at once"
    bob_page = Page.objects.get(escalation=escalation, recipient=bob.user, channel="sms")
    assert bob_page.failed_at is not None
    assert len(_requests_to(fake_twilio, bob.page_phone)) == 1  # 21211 is never retried
    kinds = list(TimelineEvent.objects.filter(escalation=escalation).values_list("kind", flat=True))
    assert "page_failed" in kinds and "chain_advanced" in kinds
    wait_until(
        lambda: (
            not OutboundMessage.objects.filter(
                channel="sms",
                status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING, OutboundStatus.UNKNOWN],
            ).exists()
        ),
        timeout=60,
        what="every text settled",
    )
    # The safety instruction went out once, through the outbox (the checklist text before it
    # names 911 too, so the instruction is told by its own words).
    assert [
        m["to"] for m in fake_twilio.messages if "nearest emergency department" in m["body"]
    ] == [patient.phone]
    sent = OutboundMessage.objects.filter(channel="sms", status=OutboundStatus.SENT)
    assert_sent_exactly_once(fake_twilio, sent.values_list("pk", flat=True))
    assert [m["to"] for m in fake_twilio.messages].count(bea.page_phone) == 1
    report(
        scenario="4 red-flag page fails for good",
        primary_page="21211, tried once",
        backup_paged_after_seconds=round(paged_after, 1),
        admin_alerted=True,
        texts_sent=len(fake_twilio.messages),
        duplicates=len(fake_twilio.messages) - sent.count(),
    )
