"""A whole check end to end: sweep opens it, the patient answers every question through the signed
webhook (one bad answer, one duplicate delivery), finishes the ODI on the web form, and the check
completes with its scores. Every text travels outbox -> Redis -> a real Celery worker -> the real
Twilio SDK -> a fake Twilio server, which must have seen exactly the expected texts, each once.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from django.test import Client

from followup.models import Answer, CheckpointStatus, Score
from followup.odi import ODI_SECTION_KEYS
from notifications.models import InboundMessage, OutboundMessage, OutboundStatus
from tests.fakes.fake_twilio import FakeTwilio
from tests.survey_helpers import new_sid, post_sms, start_survey

pytestmark = [pytest.mark.integration]

WAIT = 30.0


def _texts(fake: FakeTwilio, number: str) -> list[str]:
    return [m["body"] for m in fake.messages if m["to"] == number]


def _wait_for(fake: FakeTwilio, number: str, count: int, worker) -> list[str]:
    if not fake.wait_for(lambda f: len(_texts(f, number)) >= count, timeout=WAIT):
        pytest.fail(
            f"text #{count} to {number} never arrived; fake saw {_texts(fake, number)}\n"
            f"worker log:\n{worker.output()}"
        )
    return _texts(fake, number)


def test_a_check_is_answered_end_to_end_through_a_real_worker(
    celery_worker, fake_twilio, clinic, bob
):
    client = Client()
    checkpoint = start_survey(clinic=clinic, physician=bob, first_name="Ana", last_name="Ruiz")
    phone = checkpoint.enrollment.patient.phone
    texts = _wait_for(fake_twilio, phone, 1, celery_worker)
    # Issue 23: the red flags as one numbered checklist, then pain now, back, leg, anything else.
    assert texts[0].startswith(
        f"{clinic.name}: time for your 3-month check. Reply STOP to opt out.\n(1/5) Do you have "
        "any of these?"
    )

    def reply(body: str, *, sid: str | None = None, expect: int) -> str:
        response = post_sms(client, body=body, from_=phone, sid=sid)
        assert response.status_code == 200, response.content
        return _wait_for(fake_twilio, phone, expect, celery_worker)[expect - 1]

    duplicate = new_sid()
    assert reply("none", sid=duplicate, expect=2).startswith("(2/5) How bad is your pain right now")
    # Twilio delivers the same message again: stored once, answered once.
    assert post_sms(client, body="none", from_=phone, sid=duplicate).status_code == 200
    # The hint, then the question again (issue 18).
    assert reply("eleven", expect=3).startswith(
        "Sorry, we did not understand. Please reply with a number from 0 to 10. "
        "(2/5) How bad is your pain right now"
    )
    assert reply("7 out of 10", expect=4).startswith("(3/5) How bad is your back pain")
    assert reply("6", expect=5).startswith("(4/5) How bad is your leg pain")
    assert reply("3", expect=6).startswith("(5/5)")
    closing = reply("no thanks", expect=7)
    assert closing.startswith("Thank you. One last step: Please fill in a short form")

    # Average pain, medicine use, PGIC and the ODI with its VAS on the web form.
    path = re.search(r"https://followup\.test(/f/[A-Za-z0-9_-]+/)", closing).group(1)
    assert client.get(path).status_code == 200
    odi = {
        f"odi_{key}": str(score)
        for key, score in zip(ODI_SECTION_KEYS, [2, 2, 2, 2, 2, 2, 1, 1, 1, 1], strict=True)
    }
    form = {**odi, "q_PAIN_AVG": "5", "q_MEDS": "less", "q_PGIC7": "minimally_improved"}
    response = client.post(path, {**form, "vas": "55", "vas_set": "1", "action": "submit"})
    assert response.status_code == 200 and b"Thank you" in response.content

    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.COMPLETED and checkpoint.next_reminder_at is None
    scores = {s.kind: s.value for s in Score.objects.filter(checkpoint=checkpoint)}
    assert scores == {
        "NRS_NOW": Decimal("7.0"),
        "NRS_AVG": Decimal("5.0"),
        # Back and leg pain scored separately (issue 23 item 4), as spine registries do.
        "NRS_BACK": Decimal("6.0"),
        "NRS_LEG": Decimal("3.0"),
        "ODI": Decimal("32.0"),
        "VAS": Decimal("55.0"),
    }
    got = {
        a.question_code: (a.raw_text, a.value) for a in Answer.objects.filter(checkpoint=checkpoint)
    }
    assert got["PAIN_NOW"] == ("7 out of 10", 7) and got["MEDS"] == ("less", "less")
    assert (got["PAIN_BACK"], got["PAIN_LEG"]) == (("6", 6), ("3", 3))
    assert got["RF_WEAKNESS"] == got["RF_BLADDER_BOWEL"] == ("none", False)
    assert InboundMessage.objects.filter(message_sid=duplicate).count() == 1

    # Nothing else trickles out later: the fake saw exactly these seven texts, each once.
    time.sleep(1.5)
    seen = _texts(fake_twilio, phone)
    assert len(seen) == 7 and len(set(seen)) == 7
    rows = OutboundMessage.objects.filter(to=phone).order_by("id")
    assert [r.body for r in rows] == seen
    assert all(r.status == OutboundStatus.SENT and r.provider_id for r in rows)
    assert {m["sid"] for m in fake_twilio.messages} == {r.provider_id for r in rows}
    assert [r.unsolicited for r in rows] == [True] + [False] * 6
