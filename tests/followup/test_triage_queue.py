"""The triage queue: order, what each row shows, filters, live refresh, and the actions on a flag."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from followup.models import Escalation, EscalationStatus, Flag, TimelineEvent
from followup.services.escalations import escalation_raise
from patients.models import AuditEvent, Role

from ..factories import MembershipFactory, PatientFactory, UserFactory, enroll

pytestmark = pytest.mark.django_db

REASONS = {
    "EMERGENCY": ("SOB_CHEST", "Shortness of breath or chest pain"),
    "URGENT": ("WOUND", "Redness, swelling, warmth, pus or drainage at needle or incision site"),
    "ROUTINE": ("SCS_COVERAGE", "Lost or changed stimulation coverage"),
}


def raise_flag(
    patient,
    physician,
    *,
    tier: str = "EMERGENCY",
    rule: str | None = None,
    procedure: str = "VA",
    days_ago: int = 3,
    at: dt.datetime | None = None,
    evidence: str = "YES",
) -> Escalation:
    """A flag raised the way the survey engine raises one: a Flag row, then escalation_raise."""
    at = at or timezone.now()
    enrollment = patient.enrollments.first()
    if enrollment is None:
        enrollment = enroll(
            patient=patient,
            physician=physician,
            procedure=procedure,
            # The queue counts days in the clinic's zone (not UTC's date, a day ahead after 00:00 UTC).
            performed_on=timezone.localdate(timezone=ZoneInfo(patient.clinic.time_zone))
            - dt.timedelta(days=days_ago),
        )
    code, reason = REASONS[tier]
    flag = Flag.objects.create(
        patient=patient,
        enrollment=enrollment,
        rule_code=rule or code,
        tier=tier,
        reason=reason,
        evidence=evidence,
        created_at=at,
    )
    escalation, _ = escalation_raise(flag=flag, now=at)
    return escalation


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def patient(clinic):
    return PatientFactory(clinic=clinic, first_name="Ana", last_name="Ruiz", mrn="A-1001")


@pytest.fixture
def nora(clinic):
    """A second triage nurse of the clinic."""
    return MembershipFactory(
        user=UserFactory(username="nora", first_name="Nora", last_name="Night"),
        clinic=clinic,
        role=Role.TRIAGE_NURSE,
    ).user


# --- order and content ----------------------------------------------------------------------------
def test_it_sorts_by_tier_then_by_how_long_the_flag_has_waited(clinic, alice, bob):
    now = timezone.now()
    routine_old = raise_flag(
        PatientFactory(clinic=clinic), bob, tier="ROUTINE", at=now - dt.timedelta(hours=5)
    )
    emergency_new = raise_flag(
        PatientFactory(clinic=clinic), bob, tier="EMERGENCY", at=now - dt.timedelta(minutes=2)
    )
    urgent_old = raise_flag(
        PatientFactory(clinic=clinic), bob, tier="URGENT", at=now - dt.timedelta(hours=4)
    )
    emergency_old = raise_flag(
        PatientFactory(clinic=clinic), bob, tier="EMERGENCY", at=now - dt.timedelta(hours=1)
    )

    response = signed_in(alice).get("/queue/")

    assert response.status_code == 200
    ids = [row.escalation.pk for row in response.context["rows"]]
    assert ids == [emergency_old.pk, emergency_new.pk, urgent_old.pk, routine_old.pk]


def test_it_shows_tier_reason_procedure_day_age_owner_and_next_page(clinic, alice, bob, patient):
    escalation = raise_flag(patient, bob, tier="EMERGENCY", procedure="VA", days_ago=3)

    html = signed_in(alice).get("/queue/").content.decode()

    assert "EMERGENCY" in html and 'href="#i-emergency"' in html  # word and icon, not colour alone
    assert "Shortness of breath or chest pain" in html
    assert "Ruiz, Ana" in html and "A-1001" in html
    assert "VA" in html and "day 3" in html
    assert f"Code {escalation.code}" in html
    assert "nobody" in html  # no owner yet
    escalation.refresh_from_db()
    assert escalation.next_page_at is not None and "in " in html  # the next re-page, as a countdown
    assert f'data-id="{escalation.pk}"' in html


def test_it_shows_only_the_users_clinics(clinic, other_clinic, alice, bob, charlie, dora, patient):
    mine = raise_flag(patient, bob)
    theirs = raise_flag(PatientFactory(clinic=other_clinic), dora)

    alice_ids = [r.escalation.pk for r in signed_in(alice).get("/queue/").context["rows"]]
    charlie_ids = [r.escalation.pk for r in signed_in(charlie).get("/queue/").context["rows"]]

    assert alice_ids == [mine.pk]
    assert charlie_ids == [theirs.pk]


def test_it_filters_by_tier_procedure_physician_status_and_mine(clinic, alice, bob, nora):
    other_physician = MembershipFactory(
        user=UserFactory(username="phil"), clinic=clinic, role=Role.PHYSICIAN
    ).user
    va = raise_flag(PatientFactory(clinic=clinic), bob, tier="EMERGENCY", procedure="VA")
    esi = raise_flag(PatientFactory(clinic=clinic), other_physician, tier="URGENT", procedure="ESI")
    client = signed_in(alice)
    client.post(f"/escalations/{esi.pk}/acknowledge/")

    def ids(query: str) -> list[int]:
        return [r.escalation.pk for r in client.get(f"/queue/?{query}").context["rows"]]

    assert ids("tier=URGENT") == [esi.pk]
    assert ids("procedure=va") == [va.pk]
    assert ids(f"physician={other_physician.pk}") == [esi.pk]
    assert ids("status=open") == [va.pk]
    assert ids("status=acknowledged") == [esi.pk]
    assert ids("mine=1") == [esi.pk]
    assert [r.escalation.pk for r in signed_in(nora).get("/queue/?mine=1").context["rows"]] == []


def test_it_ignores_filter_values_it_does_not_know(alice, bob, patient):
    escalation = raise_flag(patient, bob)

    response = signed_in(alice).get(
        "/queue/?tier=PURPLE&status=everything&physician=abc&mine=maybe"
    )

    assert response.status_code == 200
    assert [r.escalation.pk for r in response.context["rows"]] == [escalation.pk]


def test_resolved_flags_leave_the_queue_and_show_under_the_resolved_filter(alice, bob, patient):
    escalation = raise_flag(patient, bob)
    client = signed_in(alice)
    client.post(
        f"/escalations/{escalation.pk}/resolve/", {"outcome": "reached_reassured", "note": "Fine."}
    )

    assert client.get("/queue/").context["rows"] == []
    assert [r.escalation.pk for r in client.get("/queue/?status=resolved").context["rows"]] == [
        escalation.pk
    ]


# --- live refresh ---------------------------------------------------------------------------------
def test_the_refresh_answers_204_until_a_new_flag_arrives(clinic, alice, bob, patient):
    client = signed_in(alice)
    page = client.get("/queue/")
    signature = page.context["signature"]

    unchanged = client.get(f"/queue/rows/?sig={signature}", HTTP_X_BACKGROUND_REFRESH="1")
    assert unchanged.status_code == 204

    escalation = raise_flag(patient, bob, tier="EMERGENCY")
    changed = client.get(f"/queue/rows/?sig={signature}", HTTP_X_BACKGROUND_REFRESH="1")

    assert changed.status_code == 200
    assert changed["X-Queue-Signature"] != signature
    assert changed["X-Queue-Count"] == "1"
    body = changed.content.decode()
    assert f'data-id="{escalation.pk}"' in body and 'data-tier="EMERGENCY"' in body
    assert "<html" not in body  # rows only
    # An acknowledge form in a refreshed row sends the nurse back to the queue, not to the fragment.
    assert 'name="next" value="/queue/"' in body


def test_the_refresh_keeps_the_filters(clinic, alice, bob):
    raise_flag(PatientFactory(clinic=clinic), bob, tier="EMERGENCY")
    urgent = raise_flag(PatientFactory(clinic=clinic), bob, tier="URGENT")

    response = signed_in(alice).get("/queue/rows/?tier=URGENT")

    assert response["X-Queue-Count"] == "1"
    assert f'data-id="{urgent.pk}"' in response.content.decode()


def test_the_refresh_is_audited_only_when_it_shows_something_new(alice, bob, patient):
    client = signed_in(alice)
    signature = client.get("/queue/").context["signature"]
    before = AuditEvent.objects.filter(object_type="queue").count()

    client.get(f"/queue/rows/?sig={signature}", HTTP_X_BACKGROUND_REFRESH="1")
    assert AuditEvent.objects.filter(object_type="queue").count() == before

    escalation = raise_flag(patient, bob)
    client.get(f"/queue/rows/?sig={signature}", HTTP_X_BACKGROUND_REFRESH="1")
    event = AuditEvent.objects.filter(object_type="queue").latest("id")
    assert escalation.pk in event.detail["escalations"] and event.detail["refresh"] is True


# --- actions --------------------------------------------------------------------------------------
def test_it_acknowledges_and_the_second_nurse_is_told_who_has_it(alice, bob, nora, patient):
    escalation = raise_flag(patient, bob)

    first = signed_in(alice).post(f"/escalations/{escalation.pk}/acknowledge/", {"next": "/queue/"})
    second = signed_in(nora).post(f"/escalations/{escalation.pk}/acknowledge/", {"next": "/queue/"})

    assert first.status_code == 302 and first["Location"] == "/queue/"
    assert any("You acknowledged" in m for m in messages_of(first))
    assert any(
        m.startswith(f"{alice.get_full_name()} already acknowledged") for m in messages_of(second)
    )
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert escalation.acknowledged_by == alice and escalation.owner == alice
    assert escalation.acknowledged_via == "web"
    assert escalation.next_page_at is None  # re-paging stopped
    outcomes = list(
        AuditEvent.objects.filter(action="acknowledge")
        .order_by("id")
        .values_list("username", "detail")
    )
    assert [(u, d["won"]) for u, d in outcomes] == [("alice", True), ("nora", False)]


@pytest.mark.django_db(transaction=True)
def test_two_nurses_acknowledging_at_the_same_moment_one_wins(clinic, alice, bob, nora):
    escalation = raise_flag(PatientFactory(clinic=clinic), bob)
    barrier = threading.Barrier(2)
    results: dict[str, list[str]] = {}

    def press(user):
        from django.db import connection

        client = signed_in(user)
        barrier.wait()
        response = client.post(f"/escalations/{escalation.pk}/acknowledge/")
        results[user.username] = messages_of(response)
        connection.close()

    threads = [threading.Thread(target=press, args=(u,)) for u in (alice, nora)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    won = [u for u, msgs in results.items() if any("You acknowledged" in m for m in msgs)]
    told = [u for u, msgs in results.items() if any("already acknowledged" in m for m in msgs)]
    assert len(won) == 1 and len(told) == 1 and won != told
    escalation.refresh_from_db()
    assert escalation.acknowledged_by.username == won[0]


def test_assign_to_me_makes_me_the_owner_without_stopping_the_pages(alice, bob, patient):
    escalation = raise_flag(patient, bob)

    response = signed_in(alice).post(f"/escalations/{escalation.pk}/assign/")

    escalation.refresh_from_db()
    assert response.status_code == 302
    assert escalation.owner == alice and escalation.status == EscalationStatus.OPEN
    assert TimelineEvent.objects.filter(escalation=escalation, kind="escalation_assigned").exists()
    assert AuditEvent.objects.filter(
        action="assign", object_id=str(escalation.pk), username="alice"
    ).exists()


def test_a_note_goes_on_the_timeline_with_its_author(alice, bob, patient):
    escalation = raise_flag(patient, bob)

    signed_in(alice).post(
        f"/escalations/{escalation.pk}/note/", {"note": "Left voicemail, will retry at 3."}
    )

    note = TimelineEvent.objects.get(escalation=escalation, kind="note")
    assert note.actor == alice and note.data["note"] == "Left voicemail, will retry at 3."
    audit = AuditEvent.objects.get(action="note")
    assert audit.patient_id == patient.pk and "voicemail" not in str(
        audit.detail
    )  # no free text in the log


def test_an_empty_note_is_refused(alice, bob, patient):
    escalation = raise_flag(patient, bob)

    response = signed_in(alice).post(f"/escalations/{escalation.pk}/note/", {"note": "   "})

    assert response.status_code == 400
    assert "Write the note first." in response.content.decode()
    assert not TimelineEvent.objects.filter(kind="note").exists()


def test_resolving_records_the_outcome_and_note(alice, bob, patient):
    escalation = raise_flag(patient, bob)

    response = signed_in(alice).post(
        f"/escalations/{escalation.pk}/resolve/",
        {"outcome": "reached_ed", "note": "Advised ED; daughter driving her now."},
    )

    escalation.refresh_from_db()
    assert response.status_code == 302
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.outcome == "reached_ed" and escalation.resolved_by == alice
    assert escalation.resolution_note == "Advised ED; daughter driving her now."
    assert AuditEvent.objects.filter(action="resolve", patient_id=patient.pk).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"outcome": "reached_ed", "note": ""}, "Say what was done"),
        ({"outcome": "", "note": "called"}, "Choose what happened."),
        ({"outcome": "teleported", "note": "called"}, "Choose what happened."),
    ],
)
def test_resolving_without_an_outcome_or_a_note_is_refused(alice, bob, patient, data, message):
    escalation = raise_flag(patient, bob)

    response = signed_in(alice).post(f"/escalations/{escalation.pk}/resolve/", data)

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_resolving_twice_says_it_is_already_resolved(alice, bob, nora, patient):
    escalation = raise_flag(patient, bob)
    signed_in(alice).post(
        f"/escalations/{escalation.pk}/resolve/", {"outcome": "not_clinical", "note": "ok"}
    )

    response = signed_in(nora).post(
        f"/escalations/{escalation.pk}/resolve/", {"outcome": "reached_ed", "note": "x"}
    )

    assert response.status_code == 302
    assert any("already resolved by alice" in m for m in messages_of(response))
    escalation.refresh_from_db()
    assert escalation.outcome == "not_clinical"


def test_actions_only_accept_post(alice, bob, patient):
    escalation = raise_flag(patient, bob)
    client = signed_in(alice)
    for action in ("acknowledge", "assign", "note", "resolve"):
        assert client.get(f"/escalations/{escalation.pk}/{action}/").status_code == 405


def test_actions_refuse_a_post_without_the_csrf_token(alice, bob, patient):
    escalation = raise_flag(patient, bob)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(f"/escalations/{escalation.pk}/acknowledge/")

    assert response.status_code == 403
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_next_must_stay_on_this_site(alice, bob, patient):
    escalation = raise_flag(patient, bob)

    response = signed_in(alice).post(
        f"/escalations/{escalation.pk}/acknowledge/", {"next": "https://evil.example/phish"}
    )

    assert response["Location"] == f"/patients/{patient.pk}/#escalation-{escalation.pk}"


def test_the_page_link_opens_the_patients_call_back_panel(client, alice, bob, patient):
    escalation = raise_flag(patient, bob)

    anonymous = client.get(f"/t/e/{escalation.pk}/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")

    response = signed_in(alice).get(f"/t/e/{escalation.pk}/")
    assert response["Location"] == f"/patients/{patient.pk}/#escalation-{escalation.pk}"
    assert AuditEvent.objects.filter(
        action="view", object_type="escalation", patient_id=patient.pk
    ).exists()
