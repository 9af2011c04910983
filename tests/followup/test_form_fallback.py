"""Issue 23 item 5: one short text asks the form's key item when the web form is not opened.

Once, from the sweep, never after the form is started or sent, never in quiet hours; the reply is
parsed and stored as the form item it asks.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import override_settings

from followup.conversation.form_fallback import FALLBACK_ASKED, FALLBACK_DONE
from followup.models import Answer, AnswerStatus, Checkpoint, CheckpointStatus, Flag, Score
from followup.reminders import survey_sweep
from followup.webform.services import draft_save
from notifications.inbound import inbound_process, inbound_store
from notifications.models import OutboundMessage
from tests.survey_helpers import new_sid, start_survey

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
T0 = dt.datetime(2026, 10, 14, 12, 0, tzinfo=CHICAGO)  # noon on a plain weekday
H = dt.timedelta(hours=1)
FALLBACK = (
    "Austin Spine: no time for the form? Just one question by text. Over the past 7 days, how "
    "bad was your pain on average, from 0 (none) to 10 (worst imaginable)? Reply with one number"
)


def text(checkpoint, body: str, at: dt.datetime) -> None:
    phone = checkpoint.enrollment.patient.phone
    inbound_process(
        inbound_id=inbound_store(params={"MessageSid": new_sid(), "From": phone, "Body": body}),
        now=at,
    )


def fallbacks(checkpoint) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(
            checkpoint=checkpoint, idempotency_key__endswith=":form-fallback"
        )
    )


def last_body(checkpoint) -> str:
    return OutboundMessage.objects.filter(checkpoint=checkpoint).order_by("-id").first().body


@pytest.fixture
def waiting(clinic, bob):
    """ESI 3-month check, its 5 text questions answered by 13:00: waiting for the web form."""
    checkpoint = start_survey(clinic=clinic, physician=bob, now=T0)
    for body in ("0", "6", "5", "4", "no"):
        text(checkpoint, body, T0 + H)
    checkpoint.refresh_from_db()
    assert checkpoint.status_reason == "waiting for web form"
    return checkpoint


def test_it_asks_average_pain_by_text_once_24_hours_after_the_last_text(waiting):
    assert survey_sweep(now=T0 + 24 * H).get("form_fallback_sent", 0) == 0
    assert fallbacks(waiting) == []
    survey_sweep(now=T0 + 25 * H)
    [message] = fallbacks(waiting)
    assert message.body == FALLBACK and message.unsolicited and message.channel == "sms"
    waiting.refresh_from_db()
    assert waiting.status_reason == FALLBACK_ASKED
    # The sweep runs every minute: never a second one.
    for hours in (26, 49, 73):
        survey_sweep(now=T0 + hours * H)
    assert len(fallbacks(waiting)) == 1


def test_the_reply_is_stored_as_the_form_item_and_thanked(waiting):
    survey_sweep(now=T0 + 25 * H)
    text(waiting, "4", T0 + 26 * H)
    answer = Answer.objects.get(checkpoint=waiting, question_code="PAIN_AVG")
    assert (answer.value, answer.status, answer.raw_text) == (4, AnswerStatus.ANSWERED, "4")
    assert Score.objects.get(checkpoint=waiting, kind=Score.Kind.NRS_AVG).value == 4
    assert last_body(waiting).startswith("Thank you, that was sent to your care team.")
    waiting.refresh_from_db()
    # The form stays open for the rest; the text fallback is done and never sent again.
    assert waiting.status == CheckpointStatus.OPEN and waiting.status_reason == FALLBACK_DONE
    survey_sweep(now=T0 + 60 * H)
    assert len(fallbacks(waiting)) == 1


def test_an_unclear_reply_is_asked_again_then_left_unanswered(waiting):
    survey_sweep(now=T0 + 25 * H)
    text(waiting, "lots", T0 + 26 * H)
    assert last_body(waiting).startswith("Sorry, we did not understand.")
    assert last_body(waiting).endswith("Reply with one number")
    text(waiting, "hmm", T0 + 27 * H)
    answer = Answer.objects.get(checkpoint=waiting, question_code="PAIN_AVG")
    assert answer.status == AnswerStatus.UNANSWERED and answer.value is None
    waiting.refresh_from_db()
    assert waiting.status_reason == FALLBACK_DONE


def test_a_symptom_instead_of_a_number_is_screened(waiting):
    survey_sweep(now=T0 + 25 * H)
    text(waiting, "I cant breathe and my chest hurts", T0 + 26 * H)
    assert Flag.objects.filter(checkpoint=waiting, tier="EMERGENCY").exists()


def test_no_fallback_once_the_form_is_sent(client, waiting):
    from followup.models import FormDraft

    FormDraft.objects.create(checkpoint=waiting, submitted_at=T0 + 2 * H)
    Checkpoint.objects.filter(pk=waiting.pk).update(status=CheckpointStatus.COMPLETED)
    survey_sweep(now=T0 + 25 * H)
    assert fallbacks(waiting) == []


def test_no_fallback_once_the_form_is_started(waiting):
    draft_save(checkpoint=waiting, values={"q_MEDS": "less"})
    survey_sweep(now=T0 + 25 * H)
    assert fallbacks(waiting) == []


def test_a_form_sent_after_the_fallback_went_out_completes_the_check(waiting):
    survey_sweep(now=T0 + 25 * H)
    pending = fallbacks(waiting)[0]
    from followup.conversation import checkpoint_complete

    checkpoint_complete(checkpoint=waiting, now=T0 + 25 * H + dt.timedelta(minutes=1))
    pending.refresh_from_db()
    # Not yet handed to the provider: cancelled with the check's other reminders.
    assert pending.status == "cancelled"


def test_quiet_hours_in_the_patients_zone_hold_it_until_morning(waiting, clinic):
    clinic.quiet_hours_start, clinic.quiet_hours_end = dt.time(21, 0), dt.time(8, 0)
    clinic.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    night = dt.datetime(2026, 10, 15, 22, 30, tzinfo=CHICAGO)  # 33.5 h after the last text
    assert survey_sweep(now=night).get("form_fallback_deferred") == 1
    assert fallbacks(waiting) == []
    morning = dt.datetime(2026, 10, 16, 8, 0, tzinfo=CHICAGO)
    survey_sweep(now=morning)
    [message] = fallbacks(waiting)
    assert message.created_at == morning


@override_settings(FORM_FALLBACK_AFTER_HOURS=48)
def test_the_delay_is_configurable(waiting):
    survey_sweep(now=T0 + 30 * H)
    assert fallbacks(waiting) == []
    survey_sweep(now=T0 + 49 * H)
    assert len(fallbacks(waiting)) == 1


def test_a_check_of_a_version_without_a_fallback_gets_none(client, clinic, bob):
    # Enrolled on the version published before issue 23: no form items off the texts, no fallback.
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, now=T0, mrn="OLD-2")
    for body in ("no", "no", "6", "5", "2", "3", "no"):
        text(checkpoint, body, T0 + H)
    checkpoint.refresh_from_db()
    assert checkpoint.status_reason == "waiting for web form"
    survey_sweep(now=T0 + 30 * H)
    assert fallbacks(checkpoint) == []
