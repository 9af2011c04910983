"""The HL7v2 enrollment feed over a real MLLP socket on 127.0.0.1: python-hl7's MLLP client
sends sample SIU and ORM messages to the listener (python-hl7's asyncio MLLP server, the code
``manage.py hl7_listener`` runs) and reads each ACK."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import hl7
import pytest
from hl7.mllp import open_hl7_connection

from followup.models import Enrollment, EnrollmentStatus
from integrations.hl7.listener import serve
from integrations.models import ClinicInterface, Hl7Message, ProcedureCodeMapping
from patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)

PERFORMED = dt.date.today() - dt.timedelta(days=2)
SCHEDULED = dt.date.today() + dt.timedelta(days=10)


def siu(
    event: str,
    control: str,
    *,
    placer="APT-1",
    code="22514",
    day=PERFORMED,
    facility="NORTHSIDE",
    physician="bob",
    mrn="A-1001",
    phone="^PRN^PH^^1^512^5550100",
) -> str:
    stamp = day.strftime("%Y%m%d") + "093000"
    return (
        "\r".join(
            [
                f"MSH|^~\\&|EPIC|{facility}|SPINE_FOLLOWUP|SPINE|20261120103000||SIU^{event}^SIU_{event}|{control}|P|2.5.1",
                f"SCH|{placer}|FIL-{placer}|||||||||^^^{stamp}",
                f"PID|1||{mrn}^^^NORTHSIDE^MR||Ruiz^Ana||19610402|F|||||{phone}~^NET^Internet^ana@example.org||es",
                "PV1|1|O",
                f"AIS|1||{code}^Percutaneous vertebroplasty^CPT|{stamp}",
                f"AIP|1||{physician}^Smith^Bob",
            ]
        )
        + "\r"
    )


def orm(control: str, order_control: str, *, placer="ORD-9", code="62323", day=PERFORMED) -> str:
    stamp = day.strftime("%Y%m%d") + "1000"
    return (
        "\r".join(
            [
                f"MSH|^~\\&|EPIC|NORTHSIDE|SPINE_FOLLOWUP|SPINE|20261120103000||ORM^O01^ORM_O01|{control}|P|2.3",
                "PID|1||B-2002^^^NORTHSIDE^MR||Lee^Sam||19700101|M|||||5125550111",
                f"ORC|{order_control}|{placer}",
                f"OBR|1|{placer}||{code}^Lumbar ESI^CPT|||{stamp}|||||||||bob^Smith^Bob",
            ]
        )
        + "\r"
    )


@pytest.fixture
def interface(clinic, bob):
    ClinicInterface.objects.create(clinic=clinic, sending_facility="NORTHSIDE")
    ProcedureCodeMapping.objects.create(
        clinic=clinic, code="22514", procedure="VA", coding_system="CPT"
    )
    ProcedureCodeMapping.objects.create(
        clinic=clinic, code="62323", procedure="ESI", coding_system="CPT"
    )
    return clinic


@pytest.fixture
def listener():
    """The listener on a free port of 127.0.0.1, in a thread with its own event loop."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()

    def run():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(serve(host="127.0.0.1", port=0, ready=ready, stop=stop))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield serve.port
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)
    loop.close()


def run_client(make_coroutine):
    """Run the MLLP client in a thread of its own: the suite's browser tests may leave an event
    loop running in the main thread, where asyncio.run() refuses to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result(timeout=60)


def send(port: int, *messages: str) -> list[hl7.Message]:
    """Send messages on one MLLP connection; return the parsed ACKs."""

    async def go():
        reader, writer = await open_hl7_connection("127.0.0.1", port)
        acks = []
        for message in messages:
            writer.writemessage(hl7.parse(message) if message.startswith("MSH") else message)
            await writer.drain()
            acks.append(await asyncio.wait_for(reader.readmessage(), 10))
        writer.close()
        return acks

    return run_client(go)


def send_raw(port: int, raw: bytes) -> hl7.Message:
    async def go():
        reader, writer = await open_hl7_connection("127.0.0.1", port)
        writer.writeblock(raw)
        await writer.drain()
        ack = await asyncio.wait_for(reader.readmessage(), 10)
        writer.close()
        return ack

    return run_client(go)


def msa(ack: hl7.Message) -> tuple[str, str, str]:
    return str(ack["MSA.F1"]), str(ack["MSA.F2"]), str(ack["MSA.F3"])


def test_it_enrolls_from_siu_s12_and_acknowledges(interface, bob, listener):
    (ack,) = send(listener, siu("S12", "MSG-1"))
    code, control, text = msa(ack)
    assert (code, control) == ("AA", "MSG-1")
    enrollment = Enrollment.objects.get()
    assert text == f"enrollment {enrollment.pk} created"
    assert str(ack["MSH.F9.R1.C1"]) == "ACK" and str(ack["MSH.F6"]) == "NORTHSIDE"
    assert (enrollment.procedure, enrollment.performed_on, enrollment.physician) == (
        "VA",
        PERFORMED,
        bob,
    )
    assert enrollment.external_id == "APT-1" and enrollment.clinic == interface
    p = Patient.objects.get()
    assert (p.mrn, p.first_name, p.phone, p.language, p.time_zone) == (
        "A-1001",
        "Ana",
        "+15125550100",
        "es",
        "America/Chicago",
    )
    row = Hl7Message.objects.get()
    assert (row.status, row.ack_code, row.enrollment_id) == ("processed", "AA", enrollment.pk)
    assert row.raw.startswith("MSH|^~\\&|EPIC|NORTHSIDE")


def test_a_duplicate_is_acknowledged_the_same_and_processed_once(interface, listener):
    first, again = send(listener, siu("S12", "MSG-1"), siu("S12", "MSG-1"))
    assert msa(first) == msa(again)
    assert Enrollment.objects.count() == 1 and Hl7Message.objects.count() == 1
    # On a new connection too (the engine reconnected after losing the ACK).
    (third,) = send(listener, siu("S12", "MSG-1"))
    assert msa(third) == msa(first) and Hl7Message.objects.count() == 1


def test_the_same_booking_under_a_new_control_id_is_not_enrolled_twice(interface, listener):
    send(listener, siu("S12", "MSG-1"))
    (ack,) = send(listener, siu("S12", "MSG-2"))
    assert msa(ack)[0] == "AA" and "already enrolled" in msa(ack)[2]
    assert Enrollment.objects.count() == 1


def test_an_unknown_procedure_code_is_an_application_error(interface, listener):
    (ack,) = send(listener, siu("S12", "MSG-1", code="99999"))
    assert msa(ack) == ("AE", "MSG-1", "unknown procedure code '99999'")
    assert Enrollment.objects.count() == 0
    assert Hl7Message.objects.get().status == "error"


def test_a_malformed_message_is_rejected_and_kept(interface, listener):
    ack = send_raw(listener, b"this is not HL7 at all")
    assert msa(ack)[0] == "AR"
    row = Hl7Message.objects.get()
    assert (row.status, row.control_id, row.raw) == ("rejected", "", "this is not HL7 at all\r")
    assert Enrollment.objects.count() == 0


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (siu("S12", "M-1", facility="ELSEWHERE"), ("AR", "unknown sending facility 'ELSEWHERE'")),
        (
            siu("S12", "M-1").replace("SIU^S12^SIU_S12", "ADT^A01^ADT_A01"),
            ("AR", "message type ADT_A01 not accepted"),
        ),
        (
            siu("S12", "M-1", physician="nobody"),
            ("AE", "no physician of the clinic named (AIP-3 / OBR-16) and no default"),
        ),
        (siu("S12", "M-1", phone="12"), ("AE", "invalid patient data: phone")),
        (
            siu("S12", "M-1", day=dt.date.today() - dt.timedelta(days=900)),
            ("AE", "procedure date out of range"),
        ),
        (
            siu("S15", "M-1", placer="NEVER-BOOKED"),
            ("AE", "no enrollment for placer id NEVER-BOOKED"),
        ),
        (siu("S12", "").replace("||P|2.5.1", "||P|2.5.1"), ("AR", "MSH-10 control id missing")),
    ],
)
def test_it_answers_bad_messages_with_the_reason(interface, listener, message, expected):
    (ack,) = send(listener, message)
    assert (msa(ack)[0], msa(ack)[2]) == expected
    assert Enrollment.objects.count() == 0


def test_the_default_physician_stands_in(interface, bob, listener):
    ClinicInterface.objects.filter(clinic=interface).update(default_physician=bob)
    (ack,) = send(listener, siu("S12", "M-1", physician="EHR-PROV-77"))
    assert msa(ack)[0] == "AA" and Enrollment.objects.get().physician == bob


def test_a_cancellation_withdraws_the_enrollment(interface, listener):
    send(listener, siu("S12", "MSG-1", day=SCHEDULED))
    enrollment = Enrollment.objects.get()
    assert enrollment.performed_on == SCHEDULED  # a scheduled procedure: checks start after it
    (ack,) = send(listener, siu("S15", "MSG-2", day=SCHEDULED))
    assert msa(ack) == ("AA", "MSG-2", f"enrollment {enrollment.pk} withdrawn")
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.WITHDRAWN
    assert set(enrollment.checkpoints.values_list("status", flat=True)) == {"cancelled"}
    (again,) = send(listener, siu("S15", "MSG-3", day=SCHEDULED))
    assert msa(again)[2] == f"enrollment {enrollment.pk} already withdrawn"


def test_a_reschedule_moves_the_enrollment(interface, listener):
    send(listener, siu("S12", "MSG-1", day=SCHEDULED))
    old = Enrollment.objects.get()
    later = SCHEDULED + dt.timedelta(days=7)
    (ack,) = send(listener, siu("S14", "MSG-2", day=later))
    new = Enrollment.objects.exclude(pk=old.pk).get()
    assert msa(ack)[2] == f"enrollment {old.pk} moved to enrollment {new.pk}"
    old.refresh_from_db()
    assert old.status == EnrollmentStatus.WITHDRAWN and new.performed_on == later
    assert new.status == EnrollmentStatus.ACTIVE
    (same,) = send(listener, siu("S14", "MSG-3", day=later))
    assert msa(same)[2] == f"enrollment {new.pk} unchanged"
    (cancel,) = send(listener, siu("S15", "MSG-4", day=later))
    new.refresh_from_db()
    assert msa(cancel)[0] == "AA" and new.status == EnrollmentStatus.WITHDRAWN


def test_orm_orders_enroll_and_cancel(interface, listener):
    (ack,) = send(listener, orm("O-1", "NW"))
    assert msa(ack)[0] == "AA", msa(ack)
    enrollment = Enrollment.objects.get()
    assert enrollment.procedure == "ESI" and enrollment.patient.mrn == "B-2002"
    assert enrollment.patient.phone == "+15125550111"
    (cancel,) = send(listener, orm("O-2", "CA"))
    enrollment.refresh_from_db()
    assert msa(cancel)[0] == "AA" and enrollment.status == EnrollmentStatus.WITHDRAWN
