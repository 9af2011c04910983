"""Issue 23 item 5 end to end: the red-flag checklist by text, the web form's items, the protocol
admin's cost. Real webhooks, PostgreSQL and the outbox; the fallback is in test_form_fallback.py.
"""

from __future__ import annotations

import copy
import json

import pytest

from followup.conversation import STOPPED_REASON
from followup.models import (
    Answer,
    AnswerStatus,
    CheckpointStatus,
    Escalation,
    Flag,
    TimelineEvent,
)
from followup.odi import ODI_SECTION_KEYS
from followup.protocols import protocol_current
from notifications.models import OutboundMessage
from tests.survey_helpers import bodies_to, last_text, post_sms, safety_text, start_survey

from .test_protocol_versions import clinic_admin  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def answer(client, checkpoint, *bodies: str):
    phone = checkpoint.enrollment.patient.phone
    responses = [post_sms(client, body=body, from_=phone) for body in bodies]
    assert all(r.status_code == 200 for r in responses)
    checkpoint.refresh_from_db()
    return responses[-1]


def answers(checkpoint) -> dict[str, Answer]:
    return {a.question_code: a for a in Answer.objects.filter(checkpoint=checkpoint)}


def flags(checkpoint) -> list[tuple[str, str, str]]:
    return sorted(
        (f.rule_code, f.tier, f.reason) for f in Flag.objects.filter(checkpoint=checkpoint)
    )


def escalations(checkpoint) -> list[tuple[str, str]]:
    return sorted(
        (e.kind, e.tier) for e in Escalation.objects.filter(flags__checkpoint=checkpoint).distinct()
    )


# --- the text ------------------------------------------------------------------------------------


def test_it_opens_with_the_checklist_as_question_one(clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)  # ESI 3-month check
    opening = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert opening.body == (
        "Austin Spine: time for your 3-month check. Reply STOP to opt out.\n"
        "(1/5) Do you have any of these? Reply with the numbers (e.g. 1 3), or 0 for none:\n"
        "1 new or worse weakness in legs or arms\n"
        "2 new trouble controlling bladder or bowels, or numb groin or inner thighs\n"
        "If you have any of these now, call 911."
    )


def test_none_answers_every_item_no_and_asks_the_next_question(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    answer(client, checkpoint, "0")
    got = answers(checkpoint)
    assert {c: (a.value, a.status, a.raw_text) for c, a in got.items()} == {
        "RF_WEAKNESS": (False, AnswerStatus.ANSWERED, "0"),
        "RF_BLADDER_BOWEL": (False, AnswerStatus.ANSWERED, "0"),
    }
    assert checkpoint.current_question == "PAIN_NOW"
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "(2/5) How bad is your pain right now"
    )
    assert Flag.objects.filter(checkpoint=checkpoint).count() == 0


def test_the_whole_check_is_five_texts_then_the_form_link(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    answer(client, checkpoint, "none", "6", "5", "4", "no")
    got = answers(checkpoint)
    assert (got["PAIN_NOW"].value, got["PAIN_BACK"].value, got["PAIN_LEG"].value) == (6, 5, 4)
    assert "PAIN_AVG" not in got and "PGIC7" not in got  # on the form now
    assert last_text(phone).startswith("Thank you. One last step: Please fill in a short form")
    assert checkpoint.status == CheckpointStatus.OPEN
    # Five questions and the greeting: five texts to the patient, then the link.
    assert len(bodies_to(phone)) == 6


# --- the same flags as the yes/no questions raised ------------------------------------------------


def legacy_twin(client, clinic, bob, legacy_yes: set[str]):
    """The same answers, one yes/no text each, on the version published before issue 23."""
    old = start_survey(
        legacy=True, clinic=clinic, physician=bob, key="d14", days_ago=20, mrn="OLD-1"
    )
    said_yes = None  # the response to the (last) yes: it carries the safety text
    while old.status == CheckpointStatus.OPEN and old.current_question.startswith("RF_"):
        yes = old.current_question in legacy_yes
        response = answer(client, old, "yes" if yes else "no")
        said_yes = response if yes else said_yes
    return old, said_yes


# ESI 2-week list: 1 breath/chest, 2 weakness, 3 bladder/bowel, 4 severe headache (the EMERGENCY
# items first), 5 fever, 6 stiff neck, 7 positional headache, 8 wound, 9 numbness, 10 sugar.
@pytest.mark.parametrize(
    ("picks", "legacy_yes"),
    [
        ("3", {"RF_BLADDER_BOWEL"}),  # EMERGENCY: stops the survey
        ("1", {"RF_SOB_CHEST"}),
        ("8", {"RF_WOUND"}),  # URGENT: the survey carries on
        ("10", {"RF_ESI_SUGAR"}),
        ("8 y 9", {"RF_WOUND", "RF_NUMB_TINGLE"}),  # two URGENT rules
    ],
)
def test_a_chosen_item_raises_exactly_what_its_yes_raised(client, clinic, bob, picks, legacy_yes):
    new = start_survey(clinic=clinic, physician=bob, key="d14", days_ago=20, mrn="NEW-1")
    old, old_response = legacy_twin(client, clinic, bob, legacy_yes)
    assert new.enrollment.protocol_id != old.enrollment.protocol_id
    new_response = answer(client, new, picks)
    assert flags(new) == flags(old) and flags(new)
    if len(legacy_yes) == 1:
        assert escalations(new) == escalations(old)
        assert safety_text(new_response) == safety_text(old_response) != ""
    else:
        # One text, one incident (test_one_incident_per_text.py): the yes/no path opened one
        # escalation per text; one reply now opens one, at the highest tier, with every flag.
        [escalation] = Escalation.objects.filter(flags__checkpoint=new).distinct()
        assert {tier for _, tier in escalations(old)} == {escalation.tier}
        assert escalation.flags.count() == len(flags(new))
        assert safety_text(new_response) != ""
    assert (new.status, new.status_reason) == (old.status, old.status_reason)
    assert {c for c, a in answers(new).items() if a.value is True} == legacy_yes
    assert sum(a.value is False for a in answers(new).values()) == 10 - len(legacy_yes)


def test_a_compound_rule_fires_on_items_of_one_list(client, clinic, bob):
    # Fever with a stiff neck: the yes/no path raised FEVER (URGENT) at the first yes and then
    # FEVER_MENINGISM; one reply now raises the compound EMERGENCY, which supersedes FEVER.
    new = start_survey(clinic=clinic, physician=bob, key="d14", days_ago=20, mrn="NEW-2")
    old, _ = legacy_twin(client, clinic, bob, {"RF_FEVER", "RF_STIFF_NECK_CONFUSION"})
    response = answer(client, new, "5,6")
    assert "911" in safety_text(response)
    assert [f[:2] for f in flags(new)] == [("FEVER_MENINGISM", "EMERGENCY")]
    assert ("FEVER_MENINGISM", "EMERGENCY") in [f[:2] for f in flags(old)]
    assert new.status == old.status == CheckpointStatus.COMPLETED


def test_an_emergency_item_stops_the_survey_with_only_the_safety_text(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    before = len(bodies_to(phone))
    response = answer(client, checkpoint, "1")
    assert "911" in safety_text(response)
    assert (checkpoint.status, checkpoint.status_reason) == (
        CheckpointStatus.COMPLETED,
        STOPPED_REASON,
    )
    assert flags(checkpoint) == [
        ("WEAKNESS", "EMERGENCY", "New or worsening weakness in legs or arms")
    ]
    new = OutboundMessage.objects.filter(to=phone).order_by("id")[before:]
    assert [m.purpose for m in new] == ["safety"]


# --- what it does not read -----------------------------------------------------------------------


def test_none_and_a_number_is_asked_again_never_read_as_none(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    answer(client, checkpoint, "0 2")
    assert answers(checkpoint) == {}
    assert checkpoint.current_question == "RF_WEAKNESS" and checkpoint.attempts == 1
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "Sorry, we did not understand. Reply with the numbers of the ones you have (e.g. 1 3), "
        "or 0 if none. (1/5) Do you have any of these?"
    )


def test_a_bare_yes_is_asked_which_ones(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    answer(client, checkpoint, "yes")
    assert answers(checkpoint) == {} and checkpoint.attempts == 1
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "Sorry, we did not understand. Which ones? Reply with their numbers (e.g. 1 3). (1/5)"
    )
    answer(client, checkpoint, "2")
    assert answers(checkpoint)["RF_BLADDER_BOWEL"].value is True


def test_an_out_of_range_number_is_asked_again(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob, language="es")
    answer(client, checkpoint, "3")
    assert answers(checkpoint) == {} and checkpoint.attempts == 1
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "Perdon, no entendimos. Responda con los numeros de los que tiene"
    )
    answer(client, checkpoint, "ninguno")
    assert {a.value for a in answers(checkpoint).values()} == {False}


def test_two_unclear_replies_leave_the_items_unanswered_and_call_a_person(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    answer(client, checkpoint, "maybe", "dunno")
    got = answers(checkpoint)
    assert {(c, a.status, a.value) for c, a in got.items()} == {
        ("RF_WEAKNESS", AnswerStatus.UNANSWERED, None),
        ("RF_BLADDER_BOWEL", AnswerStatus.UNANSWERED, None),
    }
    # One flag for the list, URGENT because EMERGENCY rules rest on its items; never a "no".
    [flag] = Flag.objects.filter(checkpoint=checkpoint)
    assert flag.rule_code == "RF_UNANSWERED" and flag.tier == "URGENT"
    assert "RF_WEAKNESS" in flag.reason and "RF_BLADDER_BOWEL" in flag.reason
    assert escalations(checkpoint) == [("RF_UNANSWERED", "URGENT")]
    assert TimelineEvent.objects.filter(
        kind="question_unanswered", data__checkpoint=checkpoint.pk
    ).exists()
    assert checkpoint.current_question == "PAIN_NOW"
    assert last_text(checkpoint.enrollment.patient.phone).startswith(
        "OK, we will skip that one. (2/5) How bad"
    )


def test_a_symptom_written_instead_is_screened_and_the_list_asked_again(client, clinic, bob):
    checkpoint = start_survey(clinic=clinic, physician=bob)
    response = answer(client, checkpoint, "I cant breathe and my chest hurts")
    assert "911" in safety_text(response)
    assert Flag.objects.filter(checkpoint=checkpoint, tier="EMERGENCY").exists()
    assert answers(checkpoint) == {}  # never read as "none"


# --- the web form's items ------------------------------------------------------------------------


def test_the_form_asks_the_items_moved_off_the_texts(client, clinic, bob):
    import re

    checkpoint = start_survey(clinic=clinic, physician=bob)
    phone = checkpoint.enrollment.patient.phone
    answer(client, checkpoint, "0", "6", "5", "4", "no")
    path = re.search(r"https://followup\.test(/f/[A-Za-z0-9_-]+/)", last_text(phone)).group(1)
    page = client.get(path).content.decode()
    assert 'name="q_PAIN_AVG"' in page and 'name="q_MEDS"' in page and 'name="q_PGIC7"' in page
    assert 'name="q_PAIN_NOW"' not in page  # answered by text
    response = client.post(
        path,
        {
            "q_PAIN_AVG": "5",
            "q_MEDS": "less",
            "q_PGIC7": "much_improved",
            **{f"odi_{k}": "1" for k in ODI_SECTION_KEYS},
            "vas": "40",
            "vas_set": "1",
            "action": "submit",
            "odi_confirm": "1",
        },
    )
    assert response.status_code in (200, 302)
    checkpoint.refresh_from_db()
    got = answers(checkpoint)
    assert (got["PAIN_AVG"].value, got["MEDS"].value, got["PGIC7"].value) == (
        5,
        "less",
        "much_improved",
    )
    assert checkpoint.status == CheckpointStatus.COMPLETED


def test_a_care_gap_answered_on_the_form_is_flagged_for_triage(client, clinic, bob):
    import re

    checkpoint = start_survey(clinic=clinic, physician=bob, procedure="VA", key="m3", days_ago=95)
    phone = checkpoint.enrollment.patient.phone
    answer(client, checkpoint, "0", "5", "3", "no")  # checklist, pain now, PGIC7, anything else
    path = re.search(r"https://followup\.test(/f/[A-Za-z0-9_-]+/)", last_text(phone)).group(1)
    client.post(
        path,
        {
            "q_BH_MEDS": "no",
            "q_BH_FALLS": "no",
            "q_BH_DXA": "yes",
            **{f"odi_{k}": "1" for k in ODI_SECTION_KEYS},
            "action": "submit",
            "odi_confirm": "1",
        },
    )
    assert [(f.rule_code, f.tier) for f in Flag.objects.filter(checkpoint=checkpoint)] == [
        ("NO_BONE_MEDS", "ROUTINE")
    ]


# --- the protocol admin --------------------------------------------------------------------------


def test_the_protocol_admin_shows_the_cost_per_language(client, clinic_admin):  # noqa: F811
    client.force_login(clinic_admin)
    current = protocol_current(code="ESI")
    page = client.get(f"/admin/followup/protocol/{current.pk}/change/").content.decode()
    assert "What it costs the patient" in page
    assert "checks over 6 SMS questions" in page
    # en: 24 texts; segments and UCS-2 texts per language; no check over the limit.
    assert "<tr><td>en</td><td>24</td>" in page and "<tr><td>es</td><td>24</td>" in page
    assert '<table class="sms-cost-checks">' in page and "<td>5 + baseline</td>" in page


def test_the_protocol_admin_refuses_a_check_over_six_text_questions(client, clinic_admin):  # noqa: F811
    client.force_login(clinic_admin)
    current = protocol_current(code="ESI")
    definition = copy.deepcopy(current.definition)
    definition["checkpoints"][1]["form_questions"] = []  # m3: PAIN_AVG, MEDS, PGIC7 by text
    response = client.post(
        f"/admin/followup/protocol/{current.pk}/change/",
        {
            "code": "ESI",
            "name": current.name,
            "definition": json.dumps(definition),
            "change_note": "longer",
        },
    )
    assert response.status_code == 200
    assert "ESI checkpoint m3: asks 9 questions by SMS (limit 6" in response.content.decode()
    assert protocol_current(code="ESI").pk == current.pk


# --- versions --------------------------------------------------------------------------------------


def test_a_check_enrolled_on_the_earlier_version_keeps_one_question_per_text(client, clinic, bob):
    # Enrolled before issue 23 (pinned version), answered after the new version is current.
    checkpoint = start_survey(legacy=True, clinic=clinic, physician=bob, mrn="OLD-9")
    current = protocol_current(code="ESI")
    assert (
        checkpoint.enrollment.protocol_id != current.pk
        and current.definition["checkpoints"][1]["sms_checklists"]
    )
    opening = OutboundMessage.objects.get(checkpoint=checkpoint, purpose="check_open")
    assert opening.body.endswith(
        "(1/7) Do you have new or worse weakness in your legs or arms? Reply YES or NO"
    )
    answer(client, checkpoint, "no")
    assert checkpoint.current_question == "RF_BLADDER_BOWEL"
    assert last_text(checkpoint.enrollment.patient.phone).startswith("(2/7) Any new trouble")
