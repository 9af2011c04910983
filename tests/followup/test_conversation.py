"""The SMS survey conversation: one question per text, robust parsing, re-prompts, red flags.

On a protocol version published before issue 23 (every red flag its own yes/no text), as the
enrollments made before it keep: the engine serves both shapes. The red-flag checklists and the
shorter checks of the current versions: test_checklist_conversation.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from followup.conversation import STOPPED_REASON
from followup.models import (
    Answer,
    AnswerStatus,
    CheckpointStatus,
    Enrollment,
    Flag,
    Score,
    TimelineEvent,
)
from notifications.models import InboundMessage, OutboundMessage
from tests.survey_helpers import (
    bodies_to,
    last_text,
    post_sms,
    process_inbound,
    safety_text,
    start_survey,
)

pytestmark = pytest.mark.django_db

ESI_M3 = [
    "RF_WEAKNESS",
    "RF_BLADDER_BOWEL",
    "PAIN_NOW",
    "PAIN_AVG",
    "MEDS",
    "PGIC7",
    "ANYTHING_ELSE",
]


@pytest.fixture
def checkpoint(clinic, bob):
    """ESI 3-month check: 2 red flags, pain now, pain average, medicine, PGIC7, ODI (form), free text."""
    return start_survey(legacy=True, clinic=clinic, physician=bob)


def answer(client, checkpoint, *bodies: str):
    phone = checkpoint.enrollment.patient.phone
    responses = [post_sms(client, body=body, from_=phone) for body in bodies]
    assert all(r.status_code == 200 for r in responses)
    checkpoint.refresh_from_db()
    return responses[-1]


def answers(checkpoint) -> dict[str, Answer]:
    return {a.question_code: a for a in Answer.objects.filter(checkpoint=checkpoint)}


def reach_pain_now(client, checkpoint):
    answer(client, checkpoint, "no", "no")
    assert checkpoint.current_question == "PAIN_NOW"


# --- opening ------------------------------------------------------------------------------------------


def test_the_first_text_names_the_clinic_says_how_to_stop_and_asks_question_one(checkpoint, clinic):
    opening = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert opening.unsolicited and opening.to == checkpoint.enrollment.patient.phone
    assert opening.body.startswith(f"{clinic.name}: time for your 3-month check.")
    assert "Reply STOP to opt out." in opening.body
    assert opening.body.endswith(
        "(1/7) Do you have new or worse weakness in your legs or arms? Reply YES or NO"
    )
    assert checkpoint.current_question == "RF_WEAKNESS"


def test_the_first_text_carries_no_diagnosis_or_procedure(checkpoint):
    body = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open").body.lower()
    for word in ("epidural", "steroid", "injection", "esi", "procedure", "surgery"):
        assert word not in body


def test_a_spanish_patient_is_asked_in_spanish(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, language="es")
    phone = checkpoint.enrollment.patient.phone
    opening = bodies_to(phone)[0]
    assert "Responda STOP para no recibir mensajes." in opening
    assert (
        "(1/7) ¿Tiene debilidad nueva o peor en las piernas o los brazos? Responda SI o NO"
        in opening
    )
    post_sms(client, body="No", from_=phone)
    assert last_text(phone).startswith("(2/7) ¿Tiene problemas nuevos")
    post_sms(client, body="quizás", from_=phone)  # not yes, not no
    assert last_text(phone).startswith("Perdon, no entendimos. Responda SI o NO. (2/7) ¿Tiene")


# --- a whole conversation -------------------------------------------------------------------------------


def test_a_whole_check_by_text_keeps_raw_text_beside_each_value_and_scores(client, checkpoint):
    phone = checkpoint.enrollment.patient.phone
    answer(client, checkpoint, "Nope", "n", "a 7", "five", "2", "much better!", "No thanks")
    got = answers(checkpoint)
    assert [(c, got[c].raw_text, got[c].value) for c in ESI_M3] == [
        ("RF_WEAKNESS", "Nope", False),
        ("RF_BLADDER_BOWEL", "n", False),
        ("PAIN_NOW", "a 7", 7),
        ("PAIN_AVG", "five", 5),
        ("MEDS", "2", "same"),
        ("PGIC7", "much better!", "much_improved"),
        ("ANYTHING_ELSE", "No thanks", None),
    ]
    assert all(a.status == AnswerStatus.ANSWERED for a in got.values())
    assert all(a.inbound_message_id for a in got.values())
    scores = {s.kind: float(s.value) for s in Score.objects.filter(checkpoint=checkpoint)}
    assert scores == {"NRS_NOW": 7.0, "NRS_AVG": 5.0}
    # The ODI does not fit SMS: the last text is the secure form link, the check waits for it.
    assert "One last step: Please fill in a short form" in last_text(phone)
    assert "https://followup.test/f/" in last_text(phone)
    assert (
        checkpoint.status == CheckpointStatus.OPEN
        and checkpoint.status_reason == "waiting for web form"
    )
    texts = bodies_to(phone)
    assert [t[:5] for t in texts[1:7]] == ["(2/7)", "(3/7)", "(4/7)", "(5/7)", "(6/7)", "(7/7)"]
    # Replies inside the conversation are not unsolicited (they do not count against the cap).
    assert OutboundMessage.objects.filter(to=phone, unsolicited=True).count() == 1


def test_a_check_without_a_form_completes_on_the_last_text(client, clinic, bob):
    checkpoint = start_survey(
        legacy=True, clinic=clinic, physician=bob, procedure="TUMOR_ABLATION", key="w6", days_ago=45
    )
    assert "ODI" not in checkpoint.question_codes
    answer(client, checkpoint, "no", "no", "no", "yes", "3", "all good")
    assert checkpoint.status == CheckpointStatus.COMPLETED and checkpoint.completed_at
    assert checkpoint.next_reminder_at is None
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "Thank you. Your answers were sent"
    )
    assert TimelineEvent.objects.filter(
        kind="check_completed", patient=checkpoint.enrollment.patient
    ).exists()


@pytest.mark.parametrize(
    "body, value",
    [
        ("7", 7),
        ("seven", 7),
        ("7/10", 7),
        ("7 out of 10", 7),
        ("a 7", 7),
        ("its a 7", 7),
        ("0", 0),
        ("10", 10),
        ("ten", 10),
        ("  8  ", 8),
        ("8!!", 8),
    ],
)
def test_it_reads_pain_numbers_the_way_people_type_them(client, checkpoint, body, value):
    reach_pain_now(client, checkpoint)
    answer(client, checkpoint, body)
    assert answers(checkpoint)["PAIN_NOW"].value == value
    assert checkpoint.current_question == "PAIN_AVG"


@pytest.mark.parametrize("body", ["y", "yes", "Yeah", "yep", "YUP", "ok yes", "Yes!"])
def test_it_reads_yes(client, clinic, bob, body):
    # d14 opens with the breathing question; answer it "no", then "yes" to weakness? That stops the
    # survey (EMERGENCY). Use the fever question on ESI d14 instead: URGENT, the survey goes on.
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, key="d14", days_ago=20)
    answer(client, checkpoint, "no", "no", "no", "no")
    assert checkpoint.current_question == "RF_FEVER"
    answer(client, checkpoint, body)
    assert answers(checkpoint)["RF_FEVER"].value is True


@pytest.mark.parametrize("body", ["n", "no", "nope", "Nah", "NO."])
def test_it_reads_no(client, checkpoint, body):
    answer(client, checkpoint, body)
    assert answers(checkpoint)["RF_WEAKNESS"].value is False


@pytest.mark.parametrize("body", ["sí", "si", "Sí, tengo", "claro"])
def test_it_reads_spanish_yes(client, clinic, bob, body):
    checkpoint = start_survey(
        legacy=True, clinic=clinic, physician=bob, key="d14", days_ago=20, language="es"
    )
    answer(client, checkpoint, "no", "no", "no", "no")
    answer(client, checkpoint, body)
    assert answers(checkpoint)["RF_FEVER"].value is True


def test_it_reads_spanish_number_words(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, language="es")
    answer(client, checkpoint, "no", "No")
    answer(client, checkpoint, "siete")
    answer(client, checkpoint, "un 5")
    got = answers(checkpoint)
    assert got["PAIN_NOW"].value == 7 and got["PAIN_AVG"].value == 5


# --- bad answers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["11", "-1", "6.5", "6-7", "no no yes 6", "idk", "", "7 or 8", "🙂"]
)
def test_an_unclear_pain_answer_gets_a_reprompt_with_the_valid_range(client, checkpoint, body):
    reach_pain_now(client, checkpoint)
    answer(client, checkpoint, body)
    phone = checkpoint.enrollment.patient.phone
    assert last_text(phone).startswith(
        "Sorry, we did not understand. Please reply with a number from 0 to 10. (3/7) How bad is"
    )
    assert checkpoint.current_question == "PAIN_NOW" and checkpoint.attempts == 1
    assert "PAIN_NOW" not in answers(checkpoint)


def test_a_choice_reprompt_lists_the_valid_numbers(client, checkpoint):
    answer(client, checkpoint, "no", "no", "4", "4", "sometimes")
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "Sorry, we did not understand. Please reply 1, 2, 3 or 4. (5/7) Compared with before"
    )


def test_after_two_failed_tries_the_question_is_unanswered_and_the_survey_moves_on(
    client, checkpoint
):
    reach_pain_now(client, checkpoint)
    answer(client, checkpoint, "idk", "dunno really")
    got = answers(checkpoint)["PAIN_NOW"]
    assert (
        got.status == AnswerStatus.UNANSWERED
        and got.value is None
        and got.raw_text == "dunno really"
    )
    assert got.attempts == 2
    assert checkpoint.current_question == "PAIN_AVG" and checkpoint.attempts == 0
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "OK, we will skip that one. (4/7) Over the past"
    )
    # Staff see the gap.
    assert TimelineEvent.objects.filter(
        kind="question_unanswered", data__question="PAIN_NOW"
    ).exists()
    # A good answer after a bad one resets the count for the next question.
    answer(client, checkpoint, "eleven", "4")
    assert (
        answers(checkpoint)["PAIN_AVG"].value == 4 and answers(checkpoint)["PAIN_AVG"].attempts == 2
    )


def test_an_unclear_answer_to_an_emergency_question_goes_to_a_person_not_a_no(client, checkpoint):
    from followup.models import Escalation

    answer(client, checkpoint, "maybe", "dunno")  # RF_WEAKNESS: an EMERGENCY rule rests on it
    got = answers(checkpoint)["RF_WEAKNESS"]
    assert got.status == AnswerStatus.UNANSWERED and got.value is None
    [flag] = Flag.objects.filter(rule_code="RF_UNANSWERED")
    assert flag.tier == "URGENT" and "RF_WEAKNESS" in flag.reason and flag.evidence == "dunno"
    escalation = Escalation.objects.get(kind="RF_UNANSWERED")
    assert escalation.status == "open" and escalation.tier == "URGENT"
    assert checkpoint.current_question == "RF_BLADDER_BOWEL"


def test_an_unanswered_red_flag_question_writes_its_flag_raised_event(client, checkpoint):
    """Every flag reaches the timeline the same way (followup.flags), this path included."""
    answer(client, checkpoint, "maybe", "dunno")
    [flag] = Flag.objects.filter(rule_code="RF_UNANSWERED")
    [event] = TimelineEvent.objects.filter(kind="flag_raised", data__flag=flag.pk)
    assert event.patient_id == checkpoint.enrollment.patient_id
    assert event.data["rule"] == "RF_UNANSWERED" and event.data["tier"] == "URGENT"
    assert event.summary.startswith("URGENT flag: Red-flag question RF_WEAKNESS")


def test_an_unclear_non_red_flag_answer_raises_no_flag(client, checkpoint):
    reach_pain_now(client, checkpoint)
    answer(client, checkpoint, "idk", "dunno really")
    assert not Flag.objects.filter(rule_code="RF_UNANSWERED").exists()


def test_an_answer_is_processed_in_a_fixed_handful_of_statements(client, checkpoint):
    """The morning burst runs this path tens of thousands of times: the answer is one upsert
    (update_or_create spent six statements: two savepoints, a locking read, the insert, two
    releases) and the patient is read once, not again through the check's joins."""
    post_sms(client, body="no", from_=checkpoint.enrollment.patient.phone, process=False)
    with CaptureQueriesContext(connection) as captured:
        assert process_inbound() == 1
    statements = [q["sql"] for q in captured.captured_queries]
    answer_writes = [s for s in statements if '"followup_answer"' in s]
    assert len(answer_writes) == 1 and "ON CONFLICT" in answer_writes[0]
    # The one savepoint is the processing transaction's, nested in the test's own transaction.
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1
    assert sum('FROM "patients_patient"' in s for s in statements) == 1
    assert len(statements) <= 14, "\n".join(statements)
    assert answers(checkpoint)["RF_WEAKNESS"].value is False


def test_a_second_answer_to_the_same_question_replaces_the_first(checkpoint):
    """The answer is an upsert on (check, question): a later write replaces every column."""
    from followup.conversation import answer_store

    first_at = timezone.now()
    later = first_at + dt.timedelta(minutes=3)
    answer_store(
        checkpoint, "PAIN_NOW", raw="7", value=7, status=AnswerStatus.ANSWERED, inbound=None,
        now=first_at,
    )  # fmt: skip
    answer_store(
        checkpoint, "PAIN_NOW", raw="??", value=None, status=AnswerStatus.UNANSWERED,
        inbound=None, now=later,
    )  # fmt: skip
    [row] = Answer.objects.filter(checkpoint=checkpoint, question_code="PAIN_NOW")
    assert (row.raw_text, row.value, row.status, row.answered_at) == (
        "??",
        None,
        AnswerStatus.UNANSWERED,
        later,
    )


def test_both_raw_texts_of_a_reprompted_question_are_kept(client, checkpoint):
    reach_pain_now(client, checkpoint)
    answer(client, checkpoint, "6-7", "6")
    inbound = list(
        InboundMessage.objects.filter(checkpoint=checkpoint)
        .order_by("id")
        .values_list("body", "kind")
    )
    assert inbound[-2:] == [("6-7", "survey_reprompt"), ("6", "survey_answer")]
    assert answers(checkpoint)["PAIN_NOW"].raw_text == "6"


def test_an_unclear_reply_that_describes_a_symptom_is_screened(client, checkpoint):
    reach_pain_now(client, checkpoint)
    response = answer(client, checkpoint, "cant breathe properly since last night")
    assert Flag.objects.filter(patient=checkpoint.enrollment.patient).exists()
    assert "911" in safety_text(response)


# --- baseline -----------------------------------------------------------------------------------------


def test_without_a_baseline_the_first_survey_asks_for_one(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, baseline_pain=None)
    assert checkpoint.question_codes.index("PAIN_BASELINE") == 2  # right after the red flags
    answer(client, checkpoint, "no", "no")
    assert last_text(checkpoint.enrollment.patient.phone).startswith("(3/8) Before the procedure")
    answer(client, checkpoint, "8")
    assert Enrollment.objects.get(pk=checkpoint.enrollment_id).baseline_pain == 8


def test_with_a_baseline_it_is_not_asked(checkpoint):
    assert "PAIN_BASELINE" not in checkpoint.question_codes


# --- red flags ------------------------------------------------------------------------------------------


def test_an_emergency_yes_stops_the_survey_with_only_the_safety_text(client, checkpoint):
    phone = checkpoint.enrollment.patient.phone
    before = len(bodies_to(phone))
    response = answer(client, checkpoint, "YES")
    safety = safety_text(response)
    assert "911" in safety
    assert (
        checkpoint.status == CheckpointStatus.COMPLETED
        and checkpoint.status_reason == STOPPED_REASON
    )
    assert checkpoint.next_reminder_at is None
    assert Flag.objects.filter(checkpoint=checkpoint, tier="EMERGENCY").count() == 1
    # No next question: the queued safety text is the only new one.
    new = OutboundMessage.objects.filter(to=phone).order_by("id")[before:]
    assert [(m.purpose, m.status, m.body) for m in new] == [("safety", "pending", safety)]
    # A later text is outside any check: stored and screened, not a survey answer.
    post_sms(client, body="ok", from_=phone)
    assert InboundMessage.objects.order_by("-id").first().kind == "unsolicited"


def test_an_urgent_yes_sends_the_safety_text_and_carries_on(client, clinic, bob):
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, key="d14", days_ago=20)
    response = answer(client, checkpoint, "no", "no", "no", "no", "yes")
    assert "call you today" in safety_text(response)
    assert Flag.objects.filter(checkpoint=checkpoint, tier="URGENT").exists()
    assert (
        checkpoint.status == CheckpointStatus.OPEN
        and checkpoint.current_question == "RF_STIFF_NECK_CONFUSION"
    )
    question = (
        OutboundMessage.objects.filter(checkpoint=checkpoint, purpose="question")
        .order_by("id")
        .last()
    )
    assert question.body.startswith("(6/15) Do you have a stiff neck")


def test_free_text_at_the_end_is_screened(client, checkpoint):
    response = answer(client, checkpoint, "no", "no", "3", "3", "1", "1", "my legs keep giving out")
    assert "911" in safety_text(response)
    assert Flag.objects.filter(patient=checkpoint.enrollment.patient).exists()
    assert answers(checkpoint)["ANYTHING_ELSE"].value == "my legs keep giving out"


def test_a_benign_free_text_gets_no_safety_text(client, checkpoint):
    response = answer(client, checkpoint, "no", "no", "3", "3", "1", "1", "thanks, all good")
    assert safety_text(response) == ""
    assert not Flag.objects.filter(patient=checkpoint.enrollment.patient, tier="EMERGENCY").exists()
