"""Results written back to a real local FHIR endpoint (an HTTP server on 127.0.0.1 in the test)
that fails, then succeeds: each result delivered exactly once."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from integrations.models import ClinicInterface, WriteBack
from integrations.writeback.service import writeback_sweep

from ..followup.outcomes_data import flag, patient_enrolled, record

pytestmark = pytest.mark.django_db(transaction=True)


class FakeEhr:
    """Answers the next ``statuses`` in turn (then 200), recording every request."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = fake.statuses.pop(0) if fake.statuses else 200
                fake.requests.append(
                    {
                        "path": self.path,
                        "body": body,
                        "status": status,
                        "content_type": self.headers["Content-Type"],
                    }
                )
                if status == 200:
                    fake.accepted.append(body)
                payload = json.dumps(
                    {"resourceType": "Bundle", "type": "transaction-response"}
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _base(settings):
    settings.PUBLIC_BASE_URL = "http://testserver"


@pytest.fixture
def ehr():
    servers = []

    def make(statuses=()):
        servers.append(FakeEhr(list(statuses)))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def enable(clinic, url: str, since: dt.datetime) -> ClinicInterface:
    return ClinicInterface.objects.create(
        clinic=clinic,
        sending_facility="NORTHSIDE",
        writeback_enabled=True,
        writeback_fhir_url=url,
        writeback_since=since,
    )


@pytest.fixture
def completed(clinic, bob):
    e = patient_enrolled(clinic, bob, procedure="VA", mrn="MRN-W")
    record(e, "d14", nrs_now=4, odi=30)
    flag(e, "EMERGENCY", "RF_SOB_CHEST")
    return e


def test_it_retries_a_failing_endpoint_and_delivers_each_result_once(completed, ehr, settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 30
    server = ehr([503, 503])  # the first two requests fail
    enable(completed.clinic, server.url, since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    now = timezone.now()
    first = writeback_sweep(now=now)
    assert first["queued"] == 2 and first.get("pending") == 2
    assert set(WriteBack.objects.values_list("status", "attempts", "last_error")) == {
        ("pending", 1, "HTTP 503")
    }
    # Not due yet: nothing is sent again.
    assert writeback_sweep(now=now + dt.timedelta(seconds=10)) == {"queued": 0, "released": 0}
    second = writeback_sweep(now=now + dt.timedelta(seconds=31))
    assert second.get("sent") == 2
    # Later sweeps find nothing new and send nothing.
    assert writeback_sweep(now=now + dt.timedelta(hours=1)) == {"queued": 0, "released": 0}
    assert len(server.requests) == 4 and len(server.accepted) == 2
    assert all(
        r["path"] == "/fhir/" and r["content_type"] == "application/fhir+json"
        for r in server.requests
    )
    kinds = sorted(e["resource"]["resourceType"] for b in server.accepted for e in b["entry"])
    assert kinds == ["Flag", "Observation", "Observation", "QuestionnaireResponse"]
    for bundle in server.accepted:
        Bundle.model_validate(bundle)
        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert entry["request"]["ifNoneExist"].startswith("identifier=http://")
            assert (
                resource["subject"]
                == {
                    "identifier": {
                        "system": "http://localhost:8000/fhir/clinic/spine-austin/mrn",
                        "value": "MRN-W",
                    }
                }
                or resource["subject"]["identifier"]["value"] == "MRN-W"
            )
    assert set(WriteBack.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_it_is_off_by_default_and_only_sends_results_after_it_was_turned_on(completed, ehr):
    server = ehr()
    interface = ClinicInterface.objects.create(
        clinic=completed.clinic, sending_facility="N", writeback_fhir_url=server.url
    )
    assert writeback_sweep() == {"queued": 0, "released": 0}
    interface.writeback_enabled = True
    interface.save()  # since = now: the history before stays in our system
    assert writeback_sweep()["queued"] == 0
    record(completed, "m3", nrs_now=2, at=timezone.now())
    summary = writeback_sweep()
    assert summary["queued"] == 1 and summary["sent"] == 1 and len(server.accepted) == 1


def test_a_permanent_error_fails_without_retrying(completed, ehr):
    server = ehr([400, 400])
    enable(completed.clinic, server.url, since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    writeback_sweep()
    assert set(WriteBack.objects.values_list("status", "last_error")) == {("failed", "HTTP 400")}
    writeback_sweep(now=timezone.now() + dt.timedelta(days=1))
    assert len(server.requests) == 2


def test_an_unreachable_endpoint_is_retried_then_fails_visibly(completed, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 1
    enable(
        completed.clinic, "http://127.0.0.1:9/fhir", since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    now = timezone.now()
    writeback_sweep(now=now)
    assert set(WriteBack.objects.values_list("status", flat=True)) == {"pending"}
    writeback_sweep(now=now + dt.timedelta(seconds=5))
    assert set(WriteBack.objects.values_list("status", "attempts")) == {("failed", 2)}


def test_a_row_left_sending_by_a_dead_worker_is_sent_again_as_a_conditional_create(
    completed, ehr, settings
):
    server = ehr()
    enable(completed.clinic, server.url, since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    from integrations.writeback.service import writeback_enqueue

    writeback_enqueue()
    long_ago = timezone.now() - dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS + 5)
    WriteBack.objects.update(status="sending", claimed_at=long_ago, attempts=1)
    summary = writeback_sweep()
    assert summary["released"] == 2 and summary["sent"] == 2 and len(server.accepted) == 2
