"""One incident per patient per report (issue 18 item 5): a text that matches several rules opens
ONE escalation at the highest tier carrying every finding, paged once; resolving it stops every
re-page, and a later answer about one of its findings joins it instead of opening another."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.models import Escalation, Flag, Page, TimelineEvent
from followup.services.escalations import escalation_acknowledge, escalation_resolve
from followup.services.escalations.sweep import escalations_repage_due
from followup.services.redflags import redflags_from_answers, redflags_from_text

from .test_escalation_chain import answer, enrolled_checkpoint, roster

pytestmark = pytest.mark.django_db

TEXT = "I have a fever, my legs are weak and I have chest pain"


@pytest.fixture
def people(clinic, bob):
    return roster(clinic, bob, around=timezone.now())


def _paged_users(escalation) -> set[str]:
    return {page.recipient.username for page in Page.objects.filter(escalation=escalation)}


def test_a_text_with_three_findings_opens_one_escalation_at_the_highest_tier(clinic, bob, people):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    patient = checkpoint.enrollment.patient
    result = redflags_from_text(patient=patient, text=TEXT, inbound_message_id=90)

    assert len(result.flags) == 3 and result.tier == "EMERGENCY"
    [escalation] = Escalation.objects.all()
    assert result.escalations == [escalation]
    assert escalation.tier == "EMERGENCY"
    assert set(Flag.objects.values_list("escalation", flat=True)) == {escalation.pk}
    # Its reason names every finding in words, the emergency ones first.
    reasons = [flag.reason for flag in Flag.objects.all()]
    assert all(reason in escalation.reason for reason in reasons)
    fever = Flag.objects.get(rule_code="FEVER").reason
    assert escalation.reason.index(fever) > 0
    # Paged once: one round (the primary), not one per rule.
    assert Page.objects.filter(escalation=escalation).count() >= 1
    assert _paged_users(escalation) == {"bob"}
    assert TimelineEvent.objects.filter(kind="escalation_opened").count() == 1
    assert TimelineEvent.objects.filter(kind="flag_attached").count() == 2


def test_resolving_the_incident_stops_every_repage(clinic, bob, people):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    patient = checkpoint.enrollment.patient
    now = timezone.now()
    [escalation] = redflags_from_text(patient=patient, text=TEXT, now=now).escalations
    pages = Page.objects.count()

    escalation_resolve(
        escalation=escalation, user=bob, outcome="reached_ed", note="Advised ED", now=now
    )
    # The sweep runs on, hours later (a shifted clock): nobody is paged again.
    for hours in (1, 6, 24, 72):
        escalations_repage_due(now=now + dt.timedelta(hours=hours))
    assert Page.objects.count() == pages
    assert not Escalation.objects.exclude(status="resolved").exists()


def test_without_anyone_acting_the_single_incident_walks_the_chain_once(clinic, bob, people):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    now = timezone.now()
    redflags_from_text(patient=checkpoint.enrollment.patient, text=TEXT, now=now)
    escalations_repage_due(now=now + dt.timedelta(hours=2))
    [escalation] = Escalation.objects.all()
    # Each person is paged by one chain, not by three (one per rule).
    per_user = {}
    for page in Page.objects.filter(escalation=escalation):
        per_user.setdefault(page.recipient.username, set()).add(page.step)
    assert "bea" in per_user or "lena" in per_user
    rounds = Page.objects.values("step").distinct().count()
    assert rounds == escalation.current_step


def test_acknowledging_the_incident_settles_every_finding(clinic, bob, people):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    now = timezone.now()
    [escalation] = redflags_from_text(
        patient=checkpoint.enrollment.patient, text=TEXT, now=now
    ).escalations
    assert escalation_acknowledge(escalation=escalation, user=bob, via="web", now=now)
    pages = Page.objects.count()
    escalations_repage_due(now=now + dt.timedelta(hours=24))
    assert Page.objects.count() == pages


def test_a_later_yes_about_one_finding_joins_the_open_incident(clinic, bob, people):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    [escalation] = redflags_from_text(
        patient=checkpoint.enrollment.patient, text=TEXT, inbound_message_id=5
    ).escalations
    answer(checkpoint, "RF_FEVER", True)
    result = redflags_from_answers(checkpoint=checkpoint)
    assert result.escalations == [escalation]
    assert Escalation.objects.count() == 1


def test_the_flag_timeline_line_is_words_not_the_rule_code(clinic, bob, people):
    checkpoint = enrolled_checkpoint(clinic, bob, procedure="ESI")
    redflags_from_text(patient=checkpoint.enrollment.patient, text=TEXT)
    summaries = list(
        TimelineEvent.objects.filter(kind="flag_raised").values_list("summary", flat=True)
    )
    assert len(summaries) == 3
    for summary in summaries:
        assert "SOB_CHEST" not in summary and "WEAKNESS" not in summary and "FEVER" not in summary
        assert summary.split(" flag: ")[0] in {"EMERGENCY", "URGENT"}
