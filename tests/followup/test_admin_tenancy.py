"""The followup admin is scoped on writes (issue 20.1), protocols are not weakened silently
(20.2), chains and shifts are validated in the admin (20.3, 18.7).

The people: alice is the clinic admin of clinic A (Austin), nina a nurse of A with admin access,
bob the clinic admin of clinic B (Boston), root a superuser.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.contrib.auth.models import Permission

from followup.models import (
    Escalation,
    EscalationChain,
    EscalationStatus,
    OnCallShift,
    Protocol,
    TimelineEvent,
)
from followup.protocol_data import PROTOCOLS
from followup.protocols import protocol_current
from patients.models import AuditEvent, Role
from tests.admin_people import as_, member, superuser
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(clinic):
    return member("alice", clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def nina(clinic):
    return member("nina", clinic, Role.TRIAGE_NURSE)


@pytest.fixture
def bob(other_clinic):
    return member("bob", other_clinic, Role.CLINIC_ADMIN)


@pytest.fixture
def root(db):
    return superuser()


def escalation_of(clinic, code: str) -> Escalation:
    return Escalation.objects.create(
        clinic=clinic,
        patient=PatientFactory(clinic=clinic),
        tier="EMERGENCY",
        kind="SOB_CHEST",
        reason="Shortness of breath",
        code=code,
    )


# --- PHI models are read-only; triage goes through the service ------------------------------------
def escalation_form(escalation: Escalation, **extra) -> dict:
    return {
        "clinic": escalation.clinic_id,
        "patient": escalation.patient_id,
        "tier": escalation.tier,
        "kind": escalation.kind,
        "reason": escalation.reason,
        "code": escalation.code,
        "status": "resolved",
        "created_at_0": "2026-11-18",
        "created_at_1": "09:00:00",
        "current_step": 0,
        "outcome": "",
        "resolution_note": "",
        **extra,
    }


def test_alice_cannot_point_an_escalation_at_clinic_b_patient(alice, bob, clinic, other_clinic):
    mine = escalation_of(clinic, "1111")
    their_patient = PatientFactory(clinic=other_clinic)

    response = as_(alice).post(
        f"/admin/followup/escalation/{mine.pk}/change/",
        escalation_form(mine, patient=their_patient.pk),
    )

    assert response.status_code == 403
    mine.refresh_from_db()
    assert (mine.patient.clinic_id, mine.status) == (clinic.pk, EscalationStatus.OPEN)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/followup/enrollment/add/",
        "/admin/followup/checkpoint/add/",
        "/admin/followup/answer/add/",
        "/admin/followup/score/add/",
        "/admin/followup/flag/add/",
        "/admin/followup/escalation/add/",
        "/admin/followup/page/add/",
        "/admin/followup/timelineevent/add/",
        "/admin/patients/patient/add/",
    ],
)
def test_phi_models_cannot_be_added_by_a_clinic_admin(alice, url):
    assert as_(alice).post(url, {}).status_code == 403


def test_a_superuser_sees_the_escalation_form_with_every_clinic(root, other_clinic):
    theirs = escalation_of(other_clinic, "2222")

    assert as_(root).get(f"/admin/followup/escalation/{theirs.pk}/change/").status_code == 200


def test_nina_acknowledges_from_the_admin_through_the_service(nina, clinic):
    mine = escalation_of(clinic, "3333")

    response = as_(nina).post(
        "/admin/followup/escalation/",
        {"action": "acknowledge", "_selected_action": [mine.pk]},
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.status, mine.acknowledged_by, mine.acknowledged_via) == (
        EscalationStatus.ACKNOWLEDGED,
        nina,
        "admin",
    )
    assert TimelineEvent.objects.filter(escalation=mine, kind="escalation_acknowledged").exists()
    assert AuditEvent.objects.filter(
        action="acknowledge", object_type="escalation", object_id=str(mine.pk)
    ).exists()


def test_nina_cannot_acknowledge_clinic_b_escalation_by_id(nina, other_clinic):
    theirs = escalation_of(other_clinic, "4444")

    as_(nina).post(
        "/admin/followup/escalation/",
        {"action": "acknowledge", "_selected_action": [theirs.pk]},
    )

    theirs.refresh_from_db()
    assert theirs.status == EscalationStatus.OPEN


def test_the_admin_change_permission_is_not_the_triage_permission(nina, clinic):
    """nina acts on escalations; that must not make the row editable in a generic form."""
    mine = escalation_of(clinic, "5555")
    assert nina.has_perm("followup.act_on_escalation")
    assert not nina.has_perm("followup.change_escalation")

    response = as_(nina).post(
        f"/admin/followup/escalation/{mine.pk}/change/", escalation_form(mine)
    )

    assert response.status_code == 403


# --- on-call shifts ---------------------------------------------------------------------------------
def shift_form(clinic, user, start="2026-12-07 08:00:00", end="2026-12-07 20:00:00") -> dict:
    s_date, s_time = start.split()
    e_date, e_time = end.split()
    return {
        "clinic": clinic.pk,
        "user": user.pk,
        "role": "primary",
        "starts_at_0": s_date,
        "starts_at_1": s_time,
        "ends_at_0": e_date,
        "ends_at_1": e_time,
    }


def test_alice_cannot_roster_clinic_b_or_its_people(alice, bob, nina, clinic, other_clinic):
    client = as_(alice)

    for_b = client.post("/admin/followup/oncallshift/add/", shift_form(other_clinic, nina))
    bob_in_a = client.post("/admin/followup/oncallshift/add/", shift_form(clinic, bob))

    assert "clinic" in for_b.context["adminform"].form.errors
    assert "user" in bob_in_a.context["adminform"].form.errors
    assert not OnCallShift.objects.exists()


def test_a_shift_must_end_after_it_starts(alice, nina, clinic):
    response = as_(alice).post(
        "/admin/followup/oncallshift/add/",
        shift_form(clinic, nina, start="2026-12-07 20:00:00", end="2026-12-07 08:00:00"),
    )

    assert response.context["adminform"].form.errors["ends_at"] == [
        "The shift must end after it starts."
    ]
    assert not OnCallShift.objects.exists()


def test_a_shift_is_entered_in_the_clinic_zone_and_gaps_are_shown(alice, nina, clinic):
    client = as_(alice)
    form_page = client.get("/admin/followup/oncallshift/add/")
    assert b"Time zone: America/Chicago" in form_page.content

    response = client.post(
        "/admin/followup/oncallshift/add/", shift_form(clinic, nina), follow=True
    )

    shift = OnCallShift.objects.get()
    # 08:00 in Chicago (CST) is 14:00 UTC.
    assert shift.starts_at == dt.datetime(2026, 12, 7, 14, 0, tzinfo=dt.UTC)
    shown = [str(m) for m in response.context["messages"]]
    assert any(m.startswith("Nobody is On call from") for m in shown)


def test_overlapping_shifts_are_shown(alice, nina, clinic):
    other = member("olga", clinic, Role.PHYSICIAN)
    client = as_(alice)
    client.post("/admin/followup/oncallshift/add/", shift_form(clinic, nina))

    response = client.post(
        "/admin/followup/oncallshift/add/",
        shift_form(clinic, other, start="2026-12-07 18:00:00", end="2026-12-08 08:00:00"),
        follow=True,
    )

    assert any("Overlaps nina's On call shift" in str(m) for m in response.context["messages"])


# --- escalation chains -----------------------------------------------------------------------------
def chain_form(clinic, tier="EMERGENCY", *steps) -> dict:
    data = {"clinic": clinic.pk, "tier": tier}
    for number, (after, target, hours) in enumerate(steps, start=1):
        data[f"step{number}_after"] = after
        data[f"step{number}_target"] = target
        data[f"step{number}_hours"] = hours
    return data


def test_alice_cannot_create_clinic_b_chain(alice, bob, other_clinic):
    response = as_(alice).post(
        "/admin/followup/escalationchain/add/",
        chain_form(other_clinic, "EMERGENCY", (0, "oncall:primary", "")),
    )

    assert "clinic" in response.context["adminform"].form.errors
    assert not EscalationChain.objects.exists()


def test_a_chain_cannot_name_clinic_b_staff(alice, bob, clinic):
    response = as_(alice).post(
        "/admin/followup/escalationchain/add/",
        chain_form(clinic, "EMERGENCY", (0, "user:bob", "")),
    )

    # bob is not among the choices at all; were he, chain_validate would refuse him.
    assert "step1_target" in response.context["adminform"].form.errors
    assert not EscalationChain.objects.exists()


def test_a_chain_that_sleeps_at_night_is_refused(alice, clinic):
    response = as_(alice).post(
        "/admin/followup/escalationchain/add/",
        chain_form(clinic, "EMERGENCY", (0, "role:triage_nurse", "business")),
    )

    errors = response.context["adminform"].form.non_field_errors()
    assert any("outside business hours" in e for e in errors)
    assert not EscalationChain.objects.exists()


def test_alice_builds_a_chain_from_rows(alice, nina, clinic):
    response = as_(alice).post(
        "/admin/followup/escalationchain/add/",
        chain_form(
            clinic,
            "URGENT",
            (0, "role:triage_nurse", "business"),
            (0, "oncall:primary", "after"),
            (30, "user:nina", ""),
        ),
    )

    assert response.status_code == 302
    chain = EscalationChain.objects.get()
    assert chain.steps == [
        {"after_minutes": 0, "target": "role:triage_nurse", "hours": "business"},
        {"after_minutes": 0, "target": "oncall:primary", "hours": "after"},
        {"after_minutes": 30, "target": "user:nina"},
    ]
    page = as_(alice).get(f"/admin/followup/escalationchain/{chain.pk}/change/")
    assert b"Business hours: Mon, Tue, Wed, Thu, Fri 08:00-17:00 (America/Chicago)" in page.content


def test_bob_cannot_edit_clinic_a_chain(alice, bob, clinic):
    chain = EscalationChain.objects.create(
        clinic=clinic, tier="EMERGENCY", steps=[{"after_minutes": 0, "target": "oncall:primary"}]
    )

    response = as_(bob).post(
        f"/admin/followup/escalationchain/{chain.pk}/change/",
        chain_form(clinic, "EMERGENCY", (0, "role:triage_nurse", "")),
    )

    assert response.status_code == 302 and response.url == "/admin/"
    chain.refresh_from_db()
    assert chain.steps == [{"after_minutes": 0, "target": "oncall:primary"}]


# --- protocols (20.2) ------------------------------------------------------------------------------
def protocol_form(protocol: Protocol, definition: dict, **extra) -> dict:
    return {
        "code": protocol.code,
        "name": protocol.name,
        "definition": json.dumps(definition),
        "change_note": "clinic edit",
        **extra,
    }


def downgraded(code: str) -> dict:
    definition = copy.deepcopy(PROTOCOLS[code])
    for rule in definition["red_flag_rules"]:
        if rule["tier"] == "EMERGENCY":
            rule.update(tier="ROUTINE", stop_survey=False)
    return definition


def test_a_clinic_admin_cannot_publish_a_shared_protocol(alice):
    current = protocol_current(code="ESI")
    client = as_(alice)

    assert client.get("/admin/followup/protocol/").status_code == 200  # reads them
    response = client.post(
        f"/admin/followup/protocol/{current.pk}/change/", protocol_form(current, downgraded("ESI"))
    )

    assert response.status_code == 403
    assert Protocol.objects.filter(code="ESI").count() == 1


@pytest.fixture
def publisher(db):
    """An operator granted the publishing permission explicitly (no role carries it)."""
    user = UserFactory(username="pat", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="publish_protocol"),
        Permission.objects.get(codename="view_protocol"),
    )
    return user


def test_lowering_a_shipped_emergency_rule_needs_a_recorded_reason(publisher):
    current = protocol_current(code="ESI")
    client = as_(publisher)

    refused = client.post(
        f"/admin/followup/protocol/{current.pk}/change/", protocol_form(current, downgraded("ESI"))
    )

    assert refused.status_code == 200
    assert "lowered from EMERGENCY to ROUTINE" in str(
        refused.context["adminform"].form.errors["override_reason"]
    )
    assert Protocol.objects.filter(code="ESI").count() == 1

    accepted = client.post(
        f"/admin/followup/protocol/{current.pk}/change/",
        protocol_form(current, downgraded("ESI"), override_reason="Trial arm 3, IRB 2026-114"),
    )

    assert accepted.status_code == 302
    new = protocol_current(code="ESI")
    assert new.version == 2 and "IRB 2026-114" in new.change_note
    event = AuditEvent.objects.get(object_type="protocol", object_id=str(new.pk))
    assert event.username == "pat"
    assert event.detail["override_reason"] == "Trial arm 3, IRB 2026-114"
    retiered = event.detail["diff"]["rules_retiered"]
    assert retiered and all(tiers == ["EMERGENCY", "ROUTINE"] for tiers in retiered.values())


def test_removing_a_shipped_urgent_rule_is_refused_without_a_reason(publisher):
    from followup.protocols import ProtocolWeakened, protocol_publish

    definition = copy.deepcopy(PROTOCOLS["ESI"])
    urgent = next(r for r in definition["red_flag_rules"] if r["tier"] == "URGENT")
    definition["red_flag_rules"].remove(urgent)
    for rule in definition["red_flag_rules"]:
        rule["supersedes"] = [c for c in rule.get("supersedes", []) if c != urgent["code"]]

    with pytest.raises(ProtocolWeakened, match=f"{urgent['code']} \\(URGENT\\) is removed"):
        protocol_publish(code="ESI", definition=definition, user=publisher)
    assert Protocol.objects.filter(code="ESI").count() == 1


def test_every_publish_is_audited_with_a_diff(publisher):
    current = protocol_current(code="NERVE_BLOCK")
    definition = copy.deepcopy(current.definition)
    definition["summary"] = "Reviewed"

    response = as_(publisher).post(
        f"/admin/followup/protocol/{current.pk}/change/", protocol_form(current, definition)
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="protocol")
    assert event.detail["diff"]["fields_changed"] == ["summary"]
    assert event.detail["previous_version"] == 1 and event.detail["version"] == 2


def test_list_filters_name_only_the_admins_clinics_and_staff(alice, clinic, other_clinic):
    from tests.factories import enroll

    dora = member("dora", other_clinic, Role.PHYSICIAN)
    enroll(
        patient=PatientFactory(clinic=other_clinic),
        physician=dora,
        performed_on=dt.date(2026, 11, 20),
    )
    client = as_(alice)

    for url in ["/admin/followup/enrollment/", "/admin/followup/checkpoint/"]:
        page = client.get(url)
        assert page.status_code == 200
        assert b"Boston Spine" not in page.content and b"dora" not in page.content, url
