"""Texts that might carry a red flag are queued apart from the morning's "no"s and scores."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from notifications.inbound import inbound_lane
from notifications.models import InboundMessage
from notifications.publisher import (
    URGENT_INBOUND_QUEUE,
    _publish_inbound_task,
    _publish_urgent_inbound_task,
    inbound_publisher,
    inbound_urgent_publisher,
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
    "4",
    "7/10",
    "7.5",
    "10!",
]
URGENT = [
    "yes",
    "y",
    "sí",
    "si",
    "no, but I have a fever",
    "no but numb legs",
    "No. Fever 39",
    "no, I can't pee",
    "No 10/10 pain",
    "not really, chest pain",
    "ACK 1234",
    "STOP",
    "",
    "🙂",
    "no " * 20,  # longer than a plain answer: read in full, first
    "4" * 5000,
]


@pytest.mark.parametrize("body", ROUTINE)
def test_a_plain_no_or_number_is_routine(body):
    assert inbound_lane(body) == "routine"


@pytest.mark.parametrize("body", URGENT)
def test_anything_that_could_be_a_red_flag_is_urgent(body):
    assert inbound_lane(body) == "urgent"


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
    [(_publish_urgent_inbound_task, URGENT_INBOUND_QUEUE), (_publish_inbound_task, "inbound")],
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
