"""Write-back: queue results once, claim each row once, retry temporary failures with backoff.

``writeback_sweep`` is what the beat task runs (every ``SWEEP_INTERVAL_SECONDS``):
1. queue: completed checks and red flags of clinics with write-back on, since it was turned on,
   that have no row yet (the unique ``key`` makes a second sweep queue nothing);
2. release rows left ``sending`` by a dead worker for longer than
   ``OUTBOX_SENDING_TIMEOUT_SECONDS`` (safe: the EHR sees conditional creates);
3. send what is due: claim ``pending -> sending`` with a conditional UPDATE, send, record.

Rows are normally written by the receivers of ``followup.signals`` (``receivers.py``) inside the
transaction that completed the check or raised the flag; step 1 (``queue.writeback_enqueue``)
stays as a safety net for results that bypassed the services. Channels: FHIR (HTTP POST of a
transaction Bundle) and HL7v2 ORU^R01 over MLLP (``oru.py``), one row per result and channel.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from followup.models import Checkpoint, Flag

from ..models import ClinicInterface, WriteBack, WriteBackChannel, WriteBackStatus
from .errors import DeliveryError
from .oru import check_oru, flag_oru, mllp_send
from .payloads import check_bundle, flag_bundle
from .queue import writeback_enqueue, writeback_queue_result

__all__ = ["DeliveryError", "writeback_enqueue", "writeback_queue_result", "writeback_send"]

logger = logging.getLogger(__name__)


def _post(url: str, body: dict) -> None:
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("write-back URL must be http(s)", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url.rstrip("/") + "/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/fhir+json", "Accept": "application/fhir+json"},
    )
    secret = settings.WRITEBACK_FHIR_AUTHORIZATION
    if secret:
        request.add_header("Authorization", secret)
    try:
        with urllib.request.urlopen(  # noqa: S310 - scheme checked above
            request, timeout=settings.WRITEBACK_TIMEOUT_SECONDS
        ) as response:
            response.read()
    except urllib.error.HTTPError as error:
        temporary = error.code in (408, 425, 429) or error.code >= 500
        raise DeliveryError(f"HTTP {error.code}", permanent=not temporary) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryError(f"connection: {type(reason).__name__}", permanent=False) from None


def _body(row: WriteBack) -> dict:
    if row.checkpoint_id:
        checkpoint = (
            Checkpoint.objects.select_related("enrollment__patient__clinic", "enrollment__protocol")
            .prefetch_related("answers")
            .get(pk=row.checkpoint_id)
        )
        return check_bundle(checkpoint)
    flag = Flag.objects.select_related("patient__clinic", "escalation").get(pk=row.flag_id)
    return flag_bundle(flag)


def _send_hl7(row: WriteBack, interface: ClinicInterface) -> None:
    if row.checkpoint_id:
        checkpoint = Checkpoint.objects.select_related(
            "enrollment__patient__clinic", "enrollment__protocol"
        ).get(pk=row.checkpoint_id)
        message = check_oru(row, checkpoint, interface)
    else:
        flag = Flag.objects.select_related("patient__clinic").get(pk=row.flag_id)
        message = flag_oru(row, flag, interface)
    mllp_send(
        host=interface.writeback_hl7_host,
        port=interface.writeback_hl7_port,
        message=message,
        control_id=f"WB{row.pk}",
    )


def writeback_send(*, writeback_id: int, now: dt.datetime | None = None) -> str:
    """Deliver one due row; returns its new status (or "skipped" when it was not ours)."""
    now = now or timezone.now()
    claimed = WriteBack.objects.filter(
        pk=writeback_id, status=WriteBackStatus.PENDING, next_attempt_at__lte=now
    ).update(status=WriteBackStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    row = WriteBack.objects.get(pk=writeback_id)
    interface = ClinicInterface.objects.filter(clinic_id=row.clinic_id).first()
    try:
        if interface is None or row.channel not in interface.writeback_channels():
            raise DeliveryError("write-back turned off", permanent=True)
        if row.channel == WriteBackChannel.HL7:
            _send_hl7(row, interface)
        else:
            _post(interface.writeback_fhir_url, _body(row))
    except DeliveryError as error:
        if error.permanent or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            fields = {"status": WriteBackStatus.FAILED}
        else:
            delay = settings.OUTBOX_BACKOFF_BASE_SECONDS * 2 ** (row.attempts - 1)
            fields = {
                "status": WriteBackStatus.PENDING,
                "next_attempt_at": now + dt.timedelta(seconds=delay),
            }
        WriteBack.objects.filter(pk=row.pk, status=WriteBackStatus.SENDING).update(
            last_error=error.reason[:200], **fields
        )
        # Only the kind of failure ("ACK AE", "HTTP 503"): an EHR's error text can echo a patient's
        # details, and it is kept on the row (``last_error``) for staff instead of in the log.
        kind = error.reason.split(":", 1)[0]
        logger.warning("write-back %s: %s (attempt %s)", row.pk, kind, row.attempts)
        return fields["status"]
    WriteBack.objects.filter(pk=row.pk, status=WriteBackStatus.SENDING).update(
        status=WriteBackStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return WriteBackStatus.SENT


def writeback_sweep(*, now: dt.datetime | None = None, batch: int = 200) -> dict[str, int]:
    now = now or timezone.now()
    queued = writeback_enqueue(now=now)
    stale = now - dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS)
    released = WriteBack.objects.filter(
        status=WriteBackStatus.SENDING, claimed_at__lt=stale
    ).update(status=WriteBackStatus.PENDING, next_attempt_at=now)
    due = list(
        WriteBack.objects.filter(status=WriteBackStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    results: dict[str, int] = {"queued": queued, "released": released}
    for pk in due:
        status = writeback_send(writeback_id=pk, now=now)
        results[status] = results.get(status, 0) + 1
    return results
