"""The staff enrollment form: the API's rules and messages, and a preview of the check dates."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone

from followup.models import Enrollment
from patients.models import AuditEvent

from ..conftest import token_client
from .test_triage_queue import messages_of, signed_in

pytestmark = pytest.mark.django_db


def yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def form_data(clinic, **overrides) -> dict:
    data = {
        "clinic": clinic.slug,
        "procedure": "ESI",
        "performed_on": yesterday(),
        "physician": "bob",
        "levels": "L4-L5",
        "side": "left",
        "patient.first_name": "Ana",
        "patient.last_name": "Ruiz",
        "patient.date_of_birth": "1961-04-02",
        "patient.mrn": "A-1001",
        "patient.phone": "(512) 555-0100",
        "patient.email": "",
        "patient.time_zone": "America/Chicago",
        "patient.language": "es",
        "patient.preferred_channel": "sms",
        "baseline.pain": "8",
        "baseline.odi": "",
    }
    data.update(overrides)
    return data


def api_body(data: dict) -> dict:
    """The same submission as the API's JSON body."""
    body: dict = {"patient": {}, "baseline": {}}
    for name, value in data.items():
        if value == "" and name not in (
            "patient.first_name",
            "patient.last_name",
            "patient.date_of_birth",
            "patient.mrn",
        ):
            continue
        head, _, tail = name.partition(".")
        if tail:
            body[head][tail] = value
        else:
            body[name] = value
    if not body["baseline"]:
        del body["baseline"]
    return body


def form_errors(response) -> dict[str, list[str]]:
    errors = {
        f["name"]: f["errors"]
        for fields in response.context["sections"].values()
        for f in fields
        if f["errors"]
    }
    if response.context["form_errors"]:
        errors["__all__"] = response.context["form_errors"]
    return errors


def flat_api_errors(payload, prefix="") -> dict[str, list[str]]:
    flat = {}
    for key, value in payload.items():
        if isinstance(value, dict):
            flat.update(flat_api_errors(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = [str(v) for v in value]
    return flat


def test_the_form_has_a_label_for_every_field(clinic, alice, bob):
    html = signed_in(alice).get("/enroll/").content.decode()

    ids = re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html)
    assert len(ids) >= 15
    for field_id in ids:
        assert f'<label for="{field_id}"' in html, field_id


def zone_on_another_date() -> str:
    """A zone whose date differs from UTC's right now: 14 hours ahead late in the UTC day,
    12 hours behind early in it."""
    return "Pacific/Kiritimati" if timezone.now().hour >= 11 else "Etc/GMT+12"


def test_the_date_pickers_limit_is_today_in_the_clinic_not_on_the_servers_clock(clinic, alice, bob):
    """A nurse east of UTC must be able to pick today's procedure in the morning, and one west
    of it must not be offered tomorrow in the evening."""
    clinic.time_zone = zone_on_another_date()
    clinic.save()
    html = signed_in(alice).get("/enroll/").content.decode()

    field = re.search(r'<input type="date" id="f-performed_on"[^>]*>', html).group(0)
    clinic_today = dt.datetime.now(zoneinfo.ZoneInfo(clinic.time_zone)).date()
    assert clinic_today != timezone.now().date()
    assert f'max="{clinic_today.isoformat()}"' in field


def test_a_procedure_today_in_the_clinics_zone_enrolls(clinic, alice, bob):
    clinic.time_zone = zone_on_another_date()
    clinic.save()
    clinic_today = dt.datetime.now(zoneinfo.ZoneInfo(clinic.time_zone)).date()
    response = signed_in(alice).post(
        "/enroll/", form_data(clinic, performed_on=clinic_today.isoformat())
    )

    assert response.status_code == 302
    assert Enrollment.objects.get().performed_on == clinic_today


def test_a_valid_form_enrolls_and_opens_the_patient(clinic, alice, bob):
    response = signed_in(alice).post("/enroll/", form_data(clinic))

    enrollment = Enrollment.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/patients/{enrollment.patient_id}/"
    )
    assert (
        enrollment.procedure == "ESI"
        and enrollment.physician == bob
        and enrollment.created_by == alice
    )
    assert enrollment.patient.phone == "+15125550100" and enrollment.baseline_pain == 8
    assert enrollment.levels == "L4-L5" and enrollment.side == "left"
    assert enrollment.checkpoints.count() > 0
    assert any("checks scheduled" in m for m in messages_of(response))
    audit = AuditEvent.objects.get(action="create")
    assert audit.object_type == "enrollment" and audit.patient_id == enrollment.patient_id


def test_the_form_takes_the_ndi_back_and_leg_baselines(clinic, alice, bob):
    data = form_data(
        clinic,
        levels="C5-C6",
        **{"baseline.ndi": "44.5", "baseline.back_pain": "3", "baseline.leg_pain": "9"},
    )
    assert signed_in(alice).post("/enroll/", data).status_code == 302
    e = Enrollment.objects.get()
    assert (str(e.baseline_ndi), e.baseline_back_pain, e.baseline_leg_pain) == ("44.5", 3, 9)


INVALID = [
    {"performed_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
    {"performed_on": "not a date"},
    {"procedure": "TELEPORT"},
    {"physician": "alice"},  # a nurse is not a physician
    {"patient.phone": "12"},
    {"patient.phone": ""},  # sms needs a phone
    {"patient.preferred_channel": "email"},  # email needs an address
    {"patient.time_zone": "Mars/Olympus"},
    {"patient.date_of_birth": "2999-01-01"},
    {"patient.first_name": ""},
    {"baseline.pain": "11"},
    {"baseline.odi": "-1"},
    {"baseline.ndi": "101"},
    {"baseline.back_pain": "11"},
    {"baseline.leg_pain": "-1"},
    {"side": "up"},
]


@pytest.mark.parametrize("bad", INVALID, ids=lambda d: next(iter(d)) + "=" + next(iter(d.values())))
def test_bad_input_gets_exactly_the_apis_errors(clinic, alice, bob, bad):
    data = form_data(clinic, **bad)

    form = signed_in(alice).post("/enroll/", data)
    api = token_client(alice).post("/api/v1/enrollments/", api_body(data), format="json")

    assert api.status_code == 400
    assert form.status_code == 400
    assert form_errors(form) and form_errors(form) == flat_api_errors(api.json())
    assert Enrollment.objects.count() == 0
    html = form.content.decode()
    assert 'id="error-summary"' in html and 'aria-invalid="true"' in html


def test_the_form_keeps_what_was_typed_after_an_error(clinic, alice, bob):
    html = (
        signed_in(alice)
        .post("/enroll/", form_data(clinic, **{"patient.phone": "12"}))
        .content.decode()
    )

    assert 'value="Ruiz"' in html and 'value="A-1001"' in html


def test_the_same_patient_procedure_and_date_twice_is_a_conflict(clinic, alice, bob):
    client = signed_in(alice)
    client.post("/enroll/", form_data(clinic))

    response = client.post("/enroll/", form_data(clinic))

    assert response.status_code == 409
    html = response.content.decode()
    assert "This patient is already enrolled for this procedure on this date." in html
    assert f'href="/patients/{Enrollment.objects.get().patient_id}/"' in html
    assert Enrollment.objects.count() == 1


def test_the_preview_shows_when_each_check_will_go_out(clinic, alice, bob):
    performed = timezone.localdate() - dt.timedelta(days=1)

    response = signed_in(alice).get(
        f"/enroll/preview/?procedure=esi&performed_on={performed.isoformat()}&time_zone=America/New_York"
    )

    rows = response.context["preview"]
    assert [r["key"] for r in rows][:1] == ["d14"]
    first = rows[0]
    assert first["state"] == "Scheduled"
    assert first["when"].startswith((performed + dt.timedelta(days=14)).strftime("%a %d %b %Y"))
    assert first["when"].endswith("10:00")  # the protocol's send hour, in the patient's zone


def test_the_preview_of_a_late_enrollment_says_what_is_skipped(clinic, alice, bob):
    performed = timezone.localdate() - dt.timedelta(days=100)

    response = signed_in(alice).get(
        f"/enroll/preview/?procedure=ESI&performed_on={performed.isoformat()}"
    )

    states = {r["key"]: r["state"] for r in response.context["preview"]}
    assert states["d14"].startswith("Skipped") and states["m3"].startswith("Goes out at once")
    assert "Skipped: enrolled after its window closed" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "procedure=NOPE&performed_on=2026-01-01",
        "procedure=ESI&performed_on=yesterday",
        "procedure=ESI&performed_on=2026-01-01&time_zone=Nowhere/Land",
    ],
)
def test_the_preview_without_usable_input_asks_for_it(alice, query):
    response = signed_in(alice).get(f"/enroll/preview/?{query}")

    assert response.status_code == 200 and response.context["preview"] is None
    assert "Choose a procedure and its date" in response.content.decode()


def test_the_preview_button_does_not_enroll(clinic, alice, bob):
    response = signed_in(alice).post("/enroll/", {**form_data(clinic), "action": "preview"})

    assert response.status_code == 200
    assert response.context["preview"] and Enrollment.objects.count() == 0
