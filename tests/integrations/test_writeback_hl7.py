"""ORU^R01 write-back over MLLP against a real local MLLP server (python-hl7's asyncio server on
127.0.0.1, run in the test): first the port refuses, then the server ACKs; each result is
delivered exactly once, AE/AR fail permanently with the reason."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading

import hl7
import pytest
from django.utils import timezone
from hl7.mllp import start_hl7_server

from integrations.models import ClinicInterface, WriteBack
from integrations.writeback.service import writeback_sweep

from ..followup.outcomes_data import flag, patient_enrolled, record

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MllpServer:
    """python-hl7's MLLP server in a thread, answering each message with ``code`` (and ``text``)."""

    def __init__(self, port: int, code: str = "AA", text: str = "") -> None:
        self.port, self.code, self.text = port, code, text
        self.received: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop_event: asyncio.Event | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),))
        self.thread.start()
        assert self.ready.wait(10)

    async def _run(self) -> None:
        self.stop_event = asyncio.Event()

        async def handle(reader, writer):
            try:
                while not reader.at_eof():
                    try:
                        message = await reader.readmessage()
                    except asyncio.IncompleteReadError:
                        break
                    self.received.append(str(message))
                    control_id = str(message.segment("MSH")[10])
                    ack = f"MSH|^~\\&|EHR|HOSP|||20261206||ACK|A{len(self.received)}|P|2.5.1\r"
                    ack += f"MSA|{self.code}|{control_id}|{self.text}\r"
                    writer.writeblock(ack.encode())
                    await writer.drain()
            finally:
                writer.close()

        server = await start_hl7_server(handle, host="127.0.0.1", port=self.port)
        self.ready.set()
        async with server:
            await self.stop_event.wait()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.stop_event.set)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = "http://testserver"
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    settings.WRITEBACK_TIMEOUT_SECONDS = 5


@pytest.fixture
def servers():
    started = []

    def make(port, **kw):
        started.append(MllpServer(port, **kw))
        return started[-1]

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def completed(clinic, bob):
    e = patient_enrolled(clinic, bob, procedure="VA", mrn="MRN-H")
    record(e, "d14", nrs_now=4, nrs_avg=5, odi=30)
    flag(e, "EMERGENCY", "RF_SOB_CHEST")
    return e


def enable_hl7(clinic, port: int) -> ClinicInterface:
    return ClinicInterface.objects.create(
        clinic=clinic,
        sending_facility="NORTHSIDE",
        writeback_enabled=True,
        writeback_hl7_host="127.0.0.1",
        writeback_hl7_port=port,
        writeback_since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )


def obx(message: hl7.Message) -> dict[str, tuple[str, str]]:
    out = {}
    for seg in message.segments("OBX"):
        out[str(seg[3][0][0])] = (str(seg[2]), str(seg[5]))
    return out


def test_refused_then_acked_delivers_each_result_exactly_once(completed, servers):
    port = free_port()
    enable_hl7(completed.clinic, port)
    now = timezone.now()
    first = writeback_sweep(now=now)  # nobody listens: connection refused
    assert first["queued"] == 2 and first.get("pending") == 2
    assert set(WriteBack.objects.values_list("channel", "status", "attempts")) == {
        ("hl7", "pending", 1)
    }
    assert all(
        e.startswith("MLLP: ") for e in WriteBack.objects.values_list("last_error", flat=True)
    )
    server = servers(port)
    assert writeback_sweep(now=now + dt.timedelta(seconds=10)) == {"queued": 0, "released": 0}
    second = writeback_sweep(now=now + dt.timedelta(seconds=31))
    assert second.get("sent") == 2
    assert writeback_sweep(now=now + dt.timedelta(hours=1)) == {"queued": 0, "released": 0}
    assert len(server.received) == 2
    assert set(WriteBack.objects.values_list("status", "attempts", "last_error")) == {
        ("sent", 2, "")
    }

    messages = {str(m.segment("MSH")[10]): m for m in map(hl7.parse, server.received)}
    rows = {f"WB{r.pk}": r for r in WriteBack.objects.all()}
    assert set(messages) == set(rows)  # MSH-10 is our row id
    for cid, message in messages.items():
        assert str(message.segment("MSH")[9]) == "ORU^R01^ORU_R01"
        pid = message.segment("PID")
        assert str(pid[3][0][0]) == "MRN-H" and str(pid[3][0][4]) == "MR"
        if rows[cid].checkpoint_id:
            scores = obx(message)
            assert scores["97909-6"] == ("NM", "30.0")
            assert scores["72514-3"] == ("NM", "4.0")
            assert scores["NRS_AVG"] == ("NM", "5.0")
        else:
            (seg,) = message.segments("OBX")
            assert str(seg[2]) == "CWE" and str(seg[5][0][0]) == "RF_SOB_CHEST"
            assert str(seg[8]) == "AA"


@pytest.mark.parametrize("code", ["AE", "AR"])
def test_an_error_ack_fails_permanently_with_the_reason(completed, servers, code, caplog):
    port = free_port()
    server = servers(port, code=code, text="unknown patient")
    enable_hl7(completed.clinic, port)
    now = timezone.now()
    result = writeback_sweep(now=now)
    assert result.get("failed") == 2
    assert set(WriteBack.objects.values_list("status", "attempts", "last_error")) == {
        ("failed", 1, f"ACK {code}: unknown patient")
    }
    # The EHR's text can name the patient: it stays on the row, never in the log.
    assert f"ACK {code}" in caplog.text and "unknown patient" not in caplog.text
    assert writeback_sweep(now=now + dt.timedelta(hours=1)) == {"queued": 0, "released": 0}
    assert len(server.received) == 2


def test_a_server_that_never_answers_is_retried(completed, settings):
    settings.WRITEBACK_TIMEOUT_SECONDS = 0.5
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection, never answers
    try:
        enable_hl7(completed.clinic, silent.getsockname()[1])
        result = writeback_sweep()
    finally:
        silent.close()
    assert result.get("pending") == 2
    assert set(WriteBack.objects.values_list("last_error", flat=True)) == {"MLLP: TimeoutError"}


def test_values_with_separators_are_escaped(completed, servers, clinic):
    completed.patient.last_name = "O'Neil|Smith^Jr"
    completed.patient.save()
    port = free_port()
    server = servers(port)
    enable_hl7(clinic, port)
    writeback_sweep()
    message = hl7.parse(server.received[0])
    assert str(message.segment("PID")[5]).startswith("O'Neil\\F\\Smith\\S\\Jr")
