"""The transport alone: notifications.inbound driven by stub hooks (no survey, no patients).

It stores, claims, processes in order, records crashes and queues the handler's replies; what a
text means is only what settings.INBOUND_HANDLER / INBOUND_LANE_CHOOSER say.
"""

from __future__ import annotations

import pytest

from notifications import inbound
from notifications.inbound import (
    MAX_PROCESSING_ATTEMPTS,
    Routed,
    inbound_process,
    inbound_process_in_order,
    inbound_receive,
    inbound_reply,
    inbound_store,
)
from notifications.models import InboundMessage, InboundStatus, OutboundMessage
from notifications.publisher import inbound_publisher, inbound_urgent_publisher
from tests.survey_helpers import new_sid

pytestmark = pytest.mark.django_db

SEEN: list[str] = []
PHONE = "+15555550142"


def stub_handler(row: InboundMessage, *, now) -> Routed:
    """Echo the body back; "help me" also earns a safety text; "boom" crashes."""
    SEEN.append(row.body)
    if row.body == "boom":
        raise RuntimeError("handler crashed")
    reply = inbound_reply(row, body=f"echo: {row.body}", now=now)
    safety = "Call 911 now." if row.body == "help me" else ""
    return Routed("stub", reply=reply, safety=safety)


def stub_lane(body: str) -> str:
    return "urgent" if "!" in body else "routine"


@pytest.fixture(autouse=True)
def stub_hooks(settings):
    SEEN.clear()
    settings.INBOUND_HANDLER = f"{__name__}.stub_handler"
    settings.INBOUND_LANE_CHOOSER = f"{__name__}.stub_lane"


def store(body: str) -> int:
    return inbound_store(params={"MessageSid": new_sid(), "From": PHONE, "To": "+1", "Body": body})


def test_the_handler_decides_and_the_transport_records_and_queues(settings):
    row_id = store("hello")
    inbound_process(inbound_id=row_id)
    row = InboundMessage.objects.get(pk=row_id)
    assert (row.status, row.kind, row.reply_text) == (
        InboundStatus.PROCESSED,
        "stub",
        "echo: hello",
    )
    assert [m.body for m in OutboundMessage.objects.filter(to=PHONE)] == ["echo: hello"]
    # Processed once: a second call finds the row claimed and does nothing.
    inbound_process(inbound_id=row_id)
    assert SEEN == ["hello"] and OutboundMessage.objects.filter(to=PHONE).count() == 1


def test_the_safety_text_the_handler_hands_back_is_queued_once_as_safety():
    row_id = store("help me")
    inbound_process(inbound_id=row_id)
    safety = OutboundMessage.objects.get(to=PHONE, purpose="safety")
    assert safety.body == "Call 911 now."
    assert InboundMessage.objects.get(pk=row_id).reply_text == "echo: help me / Call 911 now."


def test_earlier_texts_from_the_number_are_handled_first():
    first, second, third = store("one"), store("two"), store("three")
    inbound_process_in_order(inbound_id=third)
    assert SEEN == ["one", "two", "three"]
    assert (
        InboundMessage.objects.filter(
            pk__in=[first, second, third], status=InboundStatus.PROCESSED
        ).count()
        == 3
    )


def test_a_crashing_handler_leaves_the_text_for_retry_then_marks_it_failed():
    row_id = store("boom")
    inbound_process(inbound_id=row_id)
    row = InboundMessage.objects.get(pk=row_id)
    assert row.status == InboundStatus.RECEIVED and row.attempts == 1
    assert "handler crashed" in row.last_error
    for _ in range(MAX_PROCESSING_ATTEMPTS - 1):
        inbound_process(inbound_id=row_id)
    row.refresh_from_db()
    assert row.status == InboundStatus.FAILED and row.attempts == MAX_PROCESSING_ATTEMPTS
    assert not OutboundMessage.objects.filter(to=PHONE).exists()


def test_the_lane_chooser_picks_the_queue(monkeypatch, django_capture_on_commit_callbacks):
    handed = {"routine": [], "urgent": []}
    monkeypatch.setattr(inbound_publisher, "submit", handed["routine"].append)
    monkeypatch.setattr(inbound_urgent_publisher, "submit", handed["urgent"].append)
    with django_capture_on_commit_callbacks(execute=True):
        calm = inbound_receive(params={"MessageSid": new_sid(), "From": PHONE, "Body": "ok"})
        loud = inbound_receive(params={"MessageSid": new_sid(), "From": PHONE, "Body": "now!"})
    assert handed == {"routine": [calm], "urgent": [loud]}
    assert inbound.inbound_lane("fine") == "routine"
