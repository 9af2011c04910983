"""Texts that might carry a red flag are queued apart from the morning's "no"s and scores."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from followup.conversation import lane
from notifications.inbound import inbound_lane
from notifications.models import InboundMessage
from notifications.publisher import (
    URGENT_INBOUND_QUEUE,
    inbound_publisher,
    inbound_urgent_publisher,
    publish_inbound_task,
    publish_urgent_inbound_task,
)
from tests.survey_helpers import post_sms, start_survey

ROUTINE = [
    "no",
    "No.",
    "NO!!!!",
    "nope",
    "n",
    "nada",
    "ninguno",
    "no 👍",
    "no " * 20,
    "4",
    "7/10",
    "7.5",
    "10!",
    "much better",  # an option's words
    "walk less than 1 mile",
    "a bit worse",
    "severe pain, worse than before",  # ROUTINE at most: triage reads it, nobody is paged
    "STOP",
    "HELP",
    "nothing new",
    "🙂",
]
URGENT = [
    "yes",
    "y",
    "sí",
    "si",
    "Yes, since yesterday",
    "yeah a little",
    "si desde ayer",
    "oh yes it is",
    "not sure",  # "sure" may be a yes: in doubt, urgent
    "no, but I have a fever",
    "no but numb legs",
    "No. Fever 39",
    "no, I can't pee",
    "not really, chest pain",
    "No, pero tengo fiebre",
    "I can't feel my legs",
    "ACK 4821",  # a clinician stopping a page
    "4821",
    "",  # a photo, no words
    "   ",
    "4" * 5000,  # longer than any answer: not screened in the request
    "everything is fine " * 40,
]


@pytest.mark.parametrize("body", ROUTINE)
def test_texts_that_cannot_raise_a_red_flag_are_routine(body):
    assert inbound_lane(body) == "routine"


@pytest.mark.parametrize("body", URGENT)
def test_anything_that_could_be_a_red_flag_is_urgent(body):
    assert inbound_lane(body) == "urgent"


@pytest.mark.parametrize("body", ROUTINE + URGENT)
def test_a_repeated_body_gets_the_lane_it_got_the_first_time(body):
    first, again = inbound_lane(body), inbound_lane(body)
    assert first == again == lane.lane_read(body)


def test_short_bodies_are_read_once_and_long_ones_every_time(monkeypatch):
    lane.lane_cached.cache_clear()
    reads = []
    real = lane.lane_read
    monkeypatch.setattr(lane, "lane_read", lambda body: reads.append(body) or real(body))
    long_text = "my back hurts and I have a fever since this morning, 38.9"
    for _ in range(3):
        assert inbound_lane("no") == "routine"
        assert inbound_lane("yes") == "urgent"
        assert inbound_lane(long_text) == "urgent"
    assert reads == ["no", "yes", long_text, long_text, long_text]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("body", "lane"), [("no", "routine"), ("4", "routine"), ("yes", "urgent")])
def test_the_webhook_hands_each_text_to_its_lane_after_commit(
    client, clinic, bob, monkeypatch, body, lane
):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    handed: dict[str, list[int]] = {"routine": [], "urgent": []}
    monkeypatch.setattr(inbound_publisher, "submit", handed["routine"].append)
    monkeypatch.setattr(inbound_urgent_publisher, "submit", handed["urgent"].append)

    post_sms(client, body=body, from_=checkpoint.enrollment.patient.phone, process=False)

    other = "urgent" if lane == "routine" else "routine"
    assert handed[lane] == [InboundMessage.objects.get().pk] and handed[other] == []


@pytest.mark.parametrize(
    ("publish", "queue"),
    [(publish_urgent_inbound_task, URGENT_INBOUND_QUEUE), (publish_inbound_task, "inbound")],
)
def test_each_lane_lands_on_its_own_broker_queue(publish, queue):
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queues = ("celery", "inbound")
    before = {name: broker.llen(name) for name in queues}

    publish([987654321])

    after = {name: broker.llen(name) for name in queues}
    assert after[queue] == before[queue] + 1
    assert all(after[name] == before[name] for name in queues if name != queue)
    broker.lpop(queue)  # kombu pushes on the left and workers pop on the right: ours is first


@pytest.mark.parametrize(
    ("purpose", "lane"),
    [
        ("page", "urgent"),
        ("safety", "urgent"),
        ("staff_alert", "urgent"),
        ("question", "reply"),
        ("keyword", "reply"),
        ("neutral", "reply"),
    ],
)
def test_what_a_red_flag_sends_keeps_the_urgent_queue_and_replies_go_to_their_own(
    db, monkeypatch, django_capture_on_commit_callbacks, purpose, lane
):
    from notifications import outbox, publisher

    seen: dict[str, list[int]] = {"urgent": [], "reply": []}
    monkeypatch.setattr(publisher.publisher, "submit", seen["urgent"].append)
    monkeypatch.setattr(publisher.reply_publisher, "submit", seen["reply"].append)

    with django_capture_on_commit_callbacks(execute=True):
        row = outbox.outbox_enqueue(
            key=f"lane-{purpose}", channel="sms", to="+15125550100", body="x", purpose=purpose
        )

    other = "reply" if lane == "urgent" else "urgent"
    assert seen[lane] == [row.pk] and seen[other] == []


def test_the_sweep_requeues_each_due_row_on_the_lane_it_was_written_for(db, monkeypatch):
    """A reply the rate limit put back (pending, due again) must not come round on the pages'
    queue when the sweep queues it again."""
    from django.utils import timezone

    from notifications import outbox, publisher

    seen: dict[str, list[int]] = {"urgent": [], "reply": []}
    monkeypatch.setattr(publisher.publisher, "submit", seen["urgent"].append)
    monkeypatch.setattr(publisher.reply_publisher, "submit", seen["reply"].append)
    rows = {
        purpose: outbox.outbox_enqueue(
            key=f"due-{purpose}", channel="sms", to="+15125550100", body="x", purpose=purpose
        )
        for purpose in ("page", "question")
    }

    outbox.outbox_sweep(now=timezone.now())

    assert seen == {"urgent": [rows["page"].pk], "reply": [rows["question"].pk]}


def test_a_reply_lands_on_the_replies_queue():
    from notifications.publisher import REPLY_QUEUE, publish_reply_send_task

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    before = {name: broker.llen(name) for name in ("celery", REPLY_QUEUE)}

    publish_reply_send_task(987654321)

    assert broker.llen(REPLY_QUEUE) == before[REPLY_QUEUE] + 1
    assert broker.llen("celery") == before["celery"]
    broker.lpop(REPLY_QUEUE)
