"""A shared or reused phone number never crosses clinics (issue 20.4).

Alice is a triage nurse of Austin Spine (clinic A), Charlie a triage nurse of Boston Spine
(clinic B). Ana Ruiz is A's patient."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from followup.models import Answer, Flag, SenderPrompt, TimelineEvent
from notifications.models import InboundMessage, OutboundMessage
from patients.models import Patient
from patients.senders import SHARED_PHONE_WARNING
from tests.factories import PatientFactory
from tests.survey_helpers import OUR_NUMBER, last_text, post_sms, start_survey

from ..conftest import token_client
from .test_triage_enroll import form_data
from .test_triage_queue import messages_of, signed_in

pytestmark = pytest.mark.django_db

A_NUMBER = "+15125550900"
B_NUMBER = "+16175550900"


@pytest.fixture
def ana(clinic, bob):
    """Ana Ruiz of clinic A, with her 3-month check open (sent from A's sender)."""
    return start_survey(
        legacy=True, clinic=clinic, physician=bob, first_name="Ana", last_name="Ruiz"
    )


def own_senders(clinic, other_clinic) -> None:
    clinic.sms_from_number = A_NUMBER
    clinic.save(update_fields=["sms_from_number"])
    other_clinic.sms_from_number = B_NUMBER
    other_clinic.save(update_fields=["sms_from_number"])


def charlie_enrolls_a_made_up_patient(charlie, other_clinic, phone: str):
    """The attack: a nurse of B enrolls an invented patient with A's patient's phone."""
    from patients.models import Role
    from tests.factories import MembershipFactory, UserFactory

    MembershipFactory(user=UserFactory(username="dan"), clinic=other_clinic, role=Role.PHYSICIAN)
    payload = {
        "patient": {
            "first_name": "Made",
            "last_name": "Up",
            "date_of_birth": "1970-01-01",
            "mrn": "FAKE-1",
            "phone": phone,
            "time_zone": "America/New_York",
            "preferred_channel": "sms",
        },
        "procedure": "ESI",
        "performed_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(),
        "clinic": other_clinic.slug,
        "physician": "dan",
    }
    response = token_client(charlie).post("/api/v1/enrollments/", payload, format="json")
    assert response.status_code == 201, response.json()
    return response, Patient.objects.get(clinic=other_clinic, mrn="FAKE-1")


def nothing_reached(patient: Patient) -> None:
    assert not TimelineEvent.objects.filter(patient=patient, kind__startswith="sms").exists()
    assert not Flag.objects.filter(patient=patient).exists()
    assert not InboundMessage.objects.filter(patient=patient).exists()
    assert not Answer.objects.filter(checkpoint__enrollment__patient=patient).exists()


def test_the_attack_from_the_issue_fails_with_a_sender_per_clinic(
    client, clinic, other_clinic, ana, alice, charlie
):
    own_senders(clinic, other_clinic)
    phone = ana.enrollment.patient.phone
    response, made_up = charlie_enrolls_a_made_up_patient(charlie, other_clinic, phone)
    # Charlie is warned that the phone is known elsewhere, and told nothing more.
    assert response.json()["warnings"] == [SHARED_PHONE_WARNING]
    for secret in ("Ana", "Ruiz", clinic.name, clinic.slug, "Austin"):
        assert secret not in str(response.json())
    post_sms(client, body="I cant breathe and my chest hurts", from_=phone, To=A_NUMBER)
    nothing_reached(made_up)
    assert set(Flag.objects.values_list("patient_id", flat=True)) == {ana.enrollment.patient_id}
    # Charlie's view of the made-up patient shows none of it.
    timeline = signed_in(charlie).get(f"/patients/{made_up.pk}/").content.decode()
    assert "breathe" not in timeline


def test_the_attack_fails_with_one_shared_sender_while_ana_is_in_her_check(
    client, clinic, other_clinic, ana, charlie
):
    phone = ana.enrollment.patient.phone
    post_sms(client, body="no", from_=phone)  # Ana answers A's first question
    _, made_up = charlie_enrolls_a_made_up_patient(charlie, other_clinic, phone)
    # Even B's own check, opened after Ana's answer, does not take her next text.
    start_survey(
        legacy=True, clinic=other_clinic, physician=made_up.clinic.memberships.first().user, mrn="X"
    )
    post_sms(client, body="no", from_=phone, To=OUR_NUMBER)
    assert Answer.objects.filter(checkpoint=ana).count() == 2
    nothing_reached(made_up)


def test_a_text_to_the_global_number_is_not_won_by_the_clinic_still_using_it(
    client, clinic, other_clinic, ana, charlie
):
    """A has its own number now, B still the global one: Ana answering A's older text from the
    global number is not B's because B sends from that number."""
    clinic.sms_from_number = A_NUMBER
    clinic.save(update_fields=["sms_from_number"])
    phone = ana.enrollment.patient.phone
    _, made_up = charlie_enrolls_a_made_up_patient(charlie, other_clinic, phone)
    post_sms(client, body="no", from_=phone, To=OUR_NUMBER)
    assert Answer.objects.filter(checkpoint=ana).count() == 1
    nothing_reached(made_up)


def test_with_no_conversation_the_patient_who_had_the_phone_first_gets_the_text(
    client, clinic, other_clinic, bob, charlie
):
    first = PatientFactory(clinic=clinic, first_name="Ana", last_name="Ruiz")
    _, made_up = charlie_enrolls_a_made_up_patient(charlie, other_clinic, first.phone)
    OutboundMessage.objects.filter(to=first.phone).delete()  # no recent conversation at all
    post_sms(client, body="my leg feels numb since yesterday", from_=first.phone)
    assert InboundMessage.objects.get().patient_id == first.pk
    nothing_reached(made_up)


def test_two_clinics_sharing_one_sender_number_route_by_the_conversation(
    client, clinic, other_clinic, bob, dora
):
    for c in (clinic, other_clinic):
        c.sms_from_number = A_NUMBER
        c.save(update_fields=["sms_from_number"])
    # One person, a patient of both clinics; only B has a check open.
    b_check = start_survey(legacy=True, clinic=other_clinic, physician=dora, first_name="Eva")
    phone = b_check.enrollment.patient.phone
    a_patient = PatientFactory(clinic=clinic, first_name="Eva", phone=phone)
    assert OutboundMessage.objects.get(to=phone).sender == A_NUMBER  # B's sender
    post_sms(client, body="no", from_=phone, To=A_NUMBER)
    assert Answer.objects.filter(checkpoint=b_check).count() == 1
    assert not SenderPrompt.objects.exists()  # no "who is writing?" across clinics
    nothing_reached(a_patient)
    assert last_text(phone).startswith("(2/")


def test_a_family_phone_inside_one_clinic_still_asks_who_is_writing_and_only_there(
    client, clinic, other_clinic, ana, charlie
):
    phone = ana.enrollment.patient.phone
    husband = PatientFactory(clinic=clinic, first_name="Juan", last_name="Soto", phone=phone)
    _, made_up = charlie_enrolls_a_made_up_patient(charlie, other_clinic, phone)
    post_sms(client, body="I cant breathe and my chest hurts", from_=phone)
    ask = OutboundMessage.objects.filter(to=phone, idempotency_key__endswith=":ask").get()
    assert "Reply 1 for A.R., 2 for J.S." in ask.body and "M.U." not in ask.body
    flagged = set(Flag.objects.values_list("patient_id", flat=True))
    assert flagged == {ana.enrollment.patient_id, husband.pk}
    post_sms(client, body="1", from_=phone)
    assert InboundMessage.objects.filter(patient=ana.enrollment.patient).exists()
    # The prompt expiring hands held texts to A's candidates only.
    prompt = SenderPrompt.objects.get()
    assert set(prompt.patient_ids) == {ana.enrollment.patient_id, husband.pk}
    nothing_reached(made_up)


def test_texts_go_out_from_the_patients_clinic_and_replies_from_the_number_texted(
    client, clinic, other_clinic, ana, sms_outbox, drain
):
    own_senders(clinic, other_clinic)
    phone = ana.enrollment.patient.phone
    # The check opened before A had its own number went from the default sender.
    assert OutboundMessage.objects.get(to=phone).sender == ""
    b_check = start_survey(legacy=True, clinic=other_clinic, physician=_physician(other_clinic))
    assert OutboundMessage.objects.get(to=b_check.enrollment.patient.phone).sender == B_NUMBER
    post_sms(client, body="no", from_=phone, To=A_NUMBER)
    reply = OutboundMessage.objects.filter(to=phone).order_by("-id").first()
    assert reply.sender == A_NUMBER
    drain()
    sent = {m["to"]: m["sender"] for m in sms_outbox}
    assert sent[b_check.enrollment.patient.phone] == B_NUMBER
    assert sent[phone] == A_NUMBER


def _physician(clinic):
    from patients.models import Role
    from tests.factories import MembershipFactory, UserFactory

    return MembershipFactory(
        user=UserFactory(username=f"doc-{clinic.slug}"), clinic=clinic, role=Role.PHYSICIAN
    ).user


def test_the_staff_enroll_page_warns_without_naming_anyone(clinic, other_clinic, charlie, ana):
    _physician(other_clinic)
    phone = ana.enrollment.patient.phone
    data = form_data(
        other_clinic,
        physician=f"doc-{other_clinic.slug}",
        **{
            "patient.phone": phone,
            "patient.mrn": "FAKE-2",
            "patient.time_zone": "America/New_York",
        },
    )
    response = signed_in(charlie).post("/enroll/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    shown = messages_of(response)
    assert SHARED_PHONE_WARNING in shown
    assert not any(s in m for m in shown for s in ("Ruiz", clinic.name))


def test_enrolling_a_phone_no_other_clinic_has_gives_no_warning(charlie, other_clinic):
    response, _ = charlie_enrolls_a_made_up_patient(charlie, other_clinic, "+16175550123")
    assert response.json()["warnings"] == []


def test_the_morning_batch_sends_each_check_from_its_clinics_sender(clinic, other_clinic, bob):
    from django.db import transaction

    from followup.dispatch import checkpoint_open
    from followup.dispatch_batch import checkpoints_open_batch

    from .test_dispatch_batch import D14_SEND, _claim, _cohort

    own_senders(clinic, other_clinic)
    for c in (clinic, other_clinic):
        c.quiet_hours_start = c.quiet_hours_end = dt.time(0, 0)
        c.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    ids = _cohort(clinic, bob, "40") + _cohort(other_clinic, _physician(other_clinic), "50")
    with transaction.atomic():
        checkpoints_open_batch(rows=_claim(ids), now=D14_SEND, open_one=checkpoint_open)
    texts = OutboundMessage.objects.filter(channel="sms", checkpoint_id__in=ids)
    senders = {(m.patient.clinic_id, m.sender) for m in texts}
    assert senders == {(clinic.pk, A_NUMBER), (other_clinic.pk, B_NUMBER)}


def test_the_twilio_backend_sends_from_the_sender_it_is_given(fake_twilio, settings, clinic):
    from notifications.outbox import outbox_enqueue, outbox_send

    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32  # the global default
    service = "MG" + "2" * 32
    patient = PatientFactory(clinic=clinic, phone="+15125550142")
    for key, sender in (("own-number", A_NUMBER), ("own-service", service), ("default", "")):
        row = outbox_enqueue(
            key=key, channel="sms", to=patient.phone, body="Hi", purpose="other", sender=sender
        )
        outbox_send(message_id=row.pk)
    own_number, own_service, default = fake_twilio.messages
    assert own_number["from"] == A_NUMBER and not own_number.get("messaging_service_sid")
    assert own_service["messaging_service_sid"] == service and not own_service.get("from")
    assert default["messaging_service_sid"] == "MG" + "1" * 32
