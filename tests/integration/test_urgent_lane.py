"""A "yes" to a red-flag question is not queued behind the morning's backlog: a real worker that
serves only the urgent queue processes it while the routine texts wait on theirs."""

from __future__ import annotations

import time

import pytest

from followup.models import Flag
from notifications.models import InboundMessage, InboundStatus
from tests.survey_helpers import post_sms, start_survey

pytestmark = [pytest.mark.integration]

WAIT = 30.0


@pytest.fixture
def worker_queues() -> str:
    # The queue of pages and urgent texts only: nobody serves `inbound`, as if its workers were
    # thousands of texts behind.
    return "celery"


def test_a_yes_is_processed_while_the_routine_backlog_waits(celery_worker, clinic, bob, client):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob)
    for n in range(20):
        post_sms(client, body=str(n % 11), from_=f"+1512555{n:04d}", process=False)
    post_sms(client, body="yes", from_=checkpoint.enrollment.patient.phone, process=False)
    urgent = InboundMessage.objects.get(body="yes")

    deadline = time.monotonic() + WAIT
    while InboundMessage.objects.get(pk=urgent.pk).status != InboundStatus.PROCESSED:
        if time.monotonic() > deadline:
            pytest.fail(f"the urgent text was not processed:\n{celery_worker.output()}")
        time.sleep(0.1)

    assert Flag.objects.filter(checkpoint=checkpoint, tier="EMERGENCY").count() == 1
    waiting = InboundMessage.objects.exclude(pk=urgent.pk)
    assert waiting.count() == 20
    assert set(waiting.values_list("status", flat=True)) == {InboundStatus.RECEIVED}
