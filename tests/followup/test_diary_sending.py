"""The sweep texts due diary prompts (quiet hours, time zones, languages) and a patient's reply is
recorded against its prompt, late ones marked, before ordinary free text."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from followup.diaries.inbound import parse_trial_day
from followup.diaries.sending import diary_prompts_send_due
from followup.diaries.services import diary_answer_record, diary_block_schedule, diary_scs_schedule
from followup.dispatch import dispatch_due
from followup.models import DiaryEntry, EnrollmentStatus, TimelineEvent
from notifications.models import OutboundMessage
from tests.survey_helpers import bodies_to, no_quiet_hours, post_sms

from .outcomes_data import patient_enrolled

pytestmark = pytest.mark.django_db

CHI = zoneinfo.ZoneInfo("America/Chicago")
KOL = zoneinfo.ZoneInfo("Asia/Kolkata")


def chicago(day, hour, minute=0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=CHI)


def block_patient(clinic, bob, **fields):
    return patient_enrolled(clinic, bob, baseline_pain=8, procedure="FACET_SI", **fields)


def diary_texts(patient) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(patient=patient, purpose="question").order_by("pk"))


def test_a_block_at_17_00_is_texted_live_then_recalled_after_quiet_hours(clinic, bob):
    enrollment = block_patient(clinic, bob, time_zone="America/Chicago", language="en")
    patient = enrollment.patient
    diary_block_schedule(
        enrollment=enrollment, block_at=chicago(10, 17), anaesthetic_name="bupivacaine"
    )
    assert diary_prompts_send_due(now=chicago(10, 17, 20))["diary_sent"] == 0
    # The sweep itself runs the step (followup.dispatch.sweep_steps).
    summary = dispatch_due(now=chicago(10, 17, 31))
    assert summary["diary_sent"] == 1
    (first,) = diary_texts(patient)
    assert first.body == (
        "Austin Spine pain diary: your pain right now, 0 (none) to 10 (worst)? Reply with a number."
    )
    assert first.to == patient.phone and not first.unsolicited and first.purpose == "question"
    diary_prompts_send_due(now=chicago(10, 19, 1))  # 18:00 and 19:00
    # 21:00, 23:00 and 01:00 fall in quiet hours (21:00-08:00): nothing goes out at night.
    assert diary_prompts_send_due(now=chicago(10, 23, 30))["diary_sent"] == 0
    assert len(diary_texts(patient)) == 3
    assert diary_prompts_send_due(now=chicago(11, 8, 0))["diary_sent"] == 1
    recall = diary_texts(patient)[-1]
    assert recall.body == (
        "Austin Spine pain diary: what was your pain at 21:00 last night, 0 (none) to 10 "
        "(worst)? Reply with a number."
    )
    assert DiaryEntry.objects.filter(enrollment=enrollment, sent_at__isnull=True).count() == 0
    # Sent once: a second sweep writes nothing more.
    assert diary_prompts_send_due(now=chicago(11, 9, 0))["diary_sent"] == 0


def test_a_patient_east_of_utc_gets_one_spanish_recall_in_their_morning(clinic, bob):
    enrollment = block_patient(clinic, bob, time_zone="Asia/Kolkata", language="es")
    # 17:00 in Chicago is 03:30 in Kolkata: 0.5-4 h fall in the patient's night.
    diary_block_schedule(
        enrollment=enrollment, block_at=chicago(10, 17), anaesthetic_name="bupivacaine"
    )
    assert diary_prompts_send_due(now=chicago(10, 19, 0))["diary_sent"] == 0
    morning = dt.datetime(2026, 3, 11, 8, 0, tzinfo=KOL)
    assert diary_prompts_send_due(now=morning)["diary_sent"] == 1
    (recall,) = diary_texts(enrollment.patient)
    assert recall.body == (
        "Austin Spine diario de dolor: cual era su dolor anoche a las 04:00, de 0 (nada) a 10 "
        "(el peor)? Responda con un numero."
    )
    assert (
        diary_prompts_send_due(now=dt.datetime(2026, 3, 11, 9, 31, tzinfo=KOL))["diary_sent"] == 1
    )  # the 6 h prompt, live at 09:30


def test_a_prompt_due_in_quiet_hours_where_the_patient_now_lives_waits(clinic, bob):
    enrollment = block_patient(clinic, bob, time_zone="America/Chicago")
    diary_block_schedule(
        enrollment=enrollment, block_at=chicago(10, 17), anaesthetic_name="lidocaine"
    )
    patient = enrollment.patient
    patient.time_zone = "Asia/Tokyo"  # 17:31 Chicago is 07:31 in Tokyo: quiet until 08:00
    patient.save()
    counts = diary_prompts_send_due(now=chicago(10, 17, 31))
    assert counts == {"diary_sent": 0, "diary_deferred": 1}
    row = DiaryEntry.objects.get(enrollment=enrollment, key="h0.5")
    assert row.sent_at is None and row.send_at == chicago(10, 18, 0)


def test_withdrawn_unreachable_and_stale_prompts_are_not_sent(clinic, bob):
    withdrawn = block_patient(clinic, bob, time_zone="America/Chicago")
    opted_out = block_patient(clinic, bob, time_zone="America/Chicago")
    for e in (withdrawn, opted_out):
        diary_block_schedule(enrollment=e, block_at=chicago(10, 17), anaesthetic_name="lidocaine")
    withdrawn.status = EnrollmentStatus.WITHDRAWN
    withdrawn.save()
    opted_out.patient.opted_out_at = chicago(10, 12)
    opted_out.patient.save()
    assert diary_prompts_send_due(now=chicago(10, 17, 31))["diary_sent"] == 0
    # A prompt that could not go out within the late-answer window is never asked afterwards.
    opted_out.patient.opted_out_at = None
    opted_out.patient.save()
    assert diary_prompts_send_due(now=chicago(12, 10, 0))["diary_sent"] == 0


# --- replies ------------------------------------------------------------------------------------


@pytest.fixture
def live_block(clinic, bob):
    """A lidocaine block 2 h 10 min ago, prompts sent (quiet hours off: tests run at any hour)."""
    no_quiet_hours(clinic)
    enrollment = block_patient(clinic, bob, time_zone="America/Chicago", language="en")
    now = timezone.now()
    diary_block_schedule(
        enrollment=enrollment,
        block_at=now - dt.timedelta(hours=2, minutes=10),
        anaesthetic_name="lidocaine",
    )
    assert diary_prompts_send_due(now=now)["diary_sent"] == 3  # 30 min, 1 h, 2 h
    return enrollment


def test_a_number_answers_the_latest_prompt_with_the_verdict_on_the_timeline(client, live_block):
    patient = live_block.patient
    post_sms(client, body="2", from_=patient.phone)
    row = DiaryEntry.objects.get(enrollment=live_block, key="h2")
    assert row.pain == 2 and row.answered_at is not None and not row.late and row.raw_text == "2"
    assert bodies_to(patient.phone)[-1] == "Thank you, noted in your pain diary."
    event = TimelineEvent.objects.get(enrollment=live_block, kind="diary")
    assert event.summary.startswith("Block diary h2: pain 2/10. MBB_MEDICARE: ")
    assert "L38765" in event.summary
    assert event.data["rule"] == "MBB_MEDICARE" and event.data["verdict"] in (
        "met",
        "not met",
        "not yet",
    )
    # No free-text acknowledgement, no "text outside a check".
    assert not TimelineEvent.objects.filter(enrollment=live_block, kind="sms_in").exists()


def test_a_late_answer_still_counts_and_is_marked(client, live_block):
    # The 2 h prompt was answered already; a reply now belongs to the 1 h prompt, sent before.
    diary_answer_record(enrollment=live_block, text="1", answered_at=timezone.now())
    post_sms(client, body="3", from_=live_block.patient.phone)
    row = DiaryEntry.objects.get(enrollment=live_block, key="h1")
    assert row.pain == 3 and row.late
    summary = TimelineEvent.objects.filter(kind="diary").latest("pk").summary
    assert summary.startswith("Block diary h1 (late): pain 3/10.")


def test_words_are_not_a_diary_answer_and_stay_free_text(client, live_block):
    post_sms(client, body="7 and I have a fever", from_=live_block.patient.phone)
    assert not DiaryEntry.objects.filter(enrollment=live_block, answered_at__isnull=False).exists()
    event = TimelineEvent.objects.get(enrollment=live_block, kind="sms_in")
    assert event.summary.startswith("Text outside a check: 7 and I have a fever")


def test_a_number_without_an_open_prompt_is_free_text(client, clinic, bob):
    no_quiet_hours(clinic)
    enrollment = block_patient(clinic, bob, time_zone="America/Chicago")
    post_sms(client, body="4", from_=enrollment.patient.phone)
    assert TimelineEvent.objects.filter(enrollment=enrollment, kind="sms_in").exists()
    assert not TimelineEvent.objects.filter(kind="diary").exists()


def test_an_scs_trial_day_is_texted_and_its_four_answers_recorded(client, clinic, bob):
    no_quiet_hours(clinic)
    enrollment = patient_enrolled(
        clinic, bob, procedure="SCS", baseline_pain=8, time_zone="America/Chicago", language="es"
    )
    rows = diary_scs_schedule(enrollment=enrollment, trial_start=timezone.localdate(), trial_days=5)
    DiaryEntry.objects.filter(pk=rows[0].pk).update(send_at=timezone.now() - dt.timedelta(hours=1))
    assert diary_prompts_send_due(now=timezone.now())["diary_sent"] == 1
    (prompt,) = diary_texts(enrollment.patient)
    assert prompt.body.startswith("Austin Spine diario de prueba, dia 1: responda dolor 0-10")
    post_sms(client, body="4 60 mejor menos", from_=enrollment.patient.phone)
    row = DiaryEntry.objects.get(pk=rows[0].pk)
    assert (row.pain, row.reported_relief, row.function, row.meds) == (4, 60, "better", "less")
    assert bodies_to(enrollment.patient.phone)[-1] == "Gracias, anotado en su diario de dolor."
    assert TimelineEvent.objects.get(kind="diary").summary.startswith("Trial diary day1: pain 4")


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("4 60 better less", (4, 60, "better", "less")),
        ("0, 100, SAME, more", (0, 100, "same", "more")),
        ("3 50 peor mas", (3, 50, "worse", "more")),
        ("11 60 better less", None),
        ("4 160 better less", None),
        ("4 60 fine less", None),
        ("4 60 better", None),
        ("4", None),
        ("", None),
    ],
)
def test_trial_day_replies_are_taken_only_when_all_four_are_clean(text, parsed):
    result = parse_trial_day(text)
    if parsed is None:
        assert result is None
    else:
        assert (
            result["pain"],
            result["reported_relief"],
            result["function"],
            result["meds"],
        ) == parsed


# --- the exportable chart note ------------------------------------------------------------------


def _answered_block(clinic, bob):
    enrollment = block_patient(clinic, bob, time_zone="America/Chicago")
    rows = diary_block_schedule(
        enrollment=enrollment, block_at=chicago(10, 9), anaesthetic_name="lidocaine"
    )
    for row in rows:
        DiaryEntry.objects.filter(pk=row.pk).update(sent_at=row.send_at)
    for hour, minute, text in ((9, 35, "1"), (10, 5, "1"), (11, 5, "2"), (13, 5, "6")):
        diary_answer_record(enrollment=enrollment, text=text, answered_at=chicago(10, hour, minute))
    return enrollment


def test_the_block_note_downloads_with_verdict_rule_and_source(client, clinic, bob):
    enrollment = _answered_block(clinic, bob)
    client.force_login(bob)
    page = client.get(f"/outcomes/enrollments/{enrollment.pk}/").content.decode()
    assert f'href="/outcomes/enrollments/{enrollment.pk}/block-1.txt"' in page
    response = client.get(f"/outcomes/enrollments/{enrollment.pk}/block-1.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response["Cache-Control"] == "no-store"
    note = response.content.decode()
    assert note.startswith("Diagnostic block 2026-03-10 09:00 (America/Chicago), Lidocaine")
    assert "Pre-block pain: 8/10." in note and "- 2.1 h: pain 2/10" in note
    # 87.5 % relief past the hour lidocaine is expected to last: Medicare's 80 % is met.
    assert ": MET - " in note and "Source: CMS LCD L38765" in note
    patient = enrollment.patient
    for identifier in (patient.first_name, patient.last_name, patient.mrn, patient.phone):
        assert identifier not in note
    asra = client.get(f"/outcomes/enrollments/{enrollment.pk}/block-1.txt?rule=MBB_ASRA")
    assert asra.status_code == 200 and asra.content.decode() != note
    from patients.models import AuditEvent

    assert AuditEvent.objects.filter(detail__format="block-note").count() == 2


def test_the_block_note_is_refused_outside_the_clinic_and_for_bad_input(client, clinic, bob, dora):
    enrollment = _answered_block(clinic, bob)
    client.force_login(dora)
    assert client.get(f"/outcomes/enrollments/{enrollment.pk}/block-1.txt").status_code == 404
    client.force_login(bob)
    base = f"/outcomes/enrollments/{enrollment.pk}"
    assert client.get(f"{base}/block-2.txt").status_code == 404  # no second block yet
    assert client.get(f"{base}/block-1.txt?rule=RFA_REPEAT").status_code == 404
    assert client.get(f"{base}/block-1.txt?rule=nope").status_code == 404
    assert client.post(f"{base}/block-1.txt").status_code == 405
    client.logout()
    assert client.get(f"{base}/block-1.txt").status_code in (302, 403)


def test_the_verdict_shows_on_the_staff_timeline(client, live_block, alice):
    from django.urls import reverse

    from .test_triage_queue import signed_in

    post_sms(client, body="2", from_=live_block.patient.phone)
    page = signed_in(alice).get(reverse("triage-patient", args=[live_block.patient.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Block diary h2: pain 2/10. MBB_MEDICARE: " in text and "L38765" in text
