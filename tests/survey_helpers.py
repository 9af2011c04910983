"""Helpers for survey-engine tests: open a real check, post signed Twilio webhooks, read the outbox."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from followup.dispatch import checkpoint_open
from followup.models import Checkpoint, CheckpointStatus, Protocol
from followup.services.enrollments import enrollment_create
from notifications.models import OutboundMessage
from notifications.twilio_signature import twilio_signature

from .factories import PatientFactory

SMS_URL = "/webhooks/twilio/sms/"
STATUS_URL = "/webhooks/twilio/status/"
OUR_NUMBER = "+15005550006"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032d}"


# The shipped protocols as published before issue 23: every red flag its own yes/no text, the
# outcomes by text. Enrollments pinned to such a version keep that shape (protocol versions are
# never edited in place), so the one-question-per-text engine is tested on it.
BEFORE_ISSUE_23 = json.loads(
    (Path(__file__).parent / "data" / "protocols_before_issue23.json").read_text(encoding="utf-8")
)
LEGACY_NOTE = "before issue 23"


def legacy_protocol(code: str) -> Protocol:
    """The pre-issue-23 version of ``code`` as a published, not current, version."""
    row = Protocol.objects.filter(code=code, change_note=LEGACY_NOTE).first()
    if row is None:
        latest = Protocol.objects.filter(code=code).order_by("-version").first()
        row = Protocol.objects.create(
            code=code,
            version=(latest.version + 1) if latest else 1,
            name=BEFORE_ISSUE_23[code]["name"],
            definition=BEFORE_ISSUE_23[code],
            is_current=False,
            change_note=LEGACY_NOTE,
        )
    return row


@contextlib.contextmanager
def enrolling_on_legacy(code: str):
    """Enrollments made inside are pinned to the pre-issue-23 version of ``code``."""
    legacy = legacy_protocol(code)
    current = Protocol.objects.filter(code=code, is_current=True).first()
    if current is not None:
        Protocol.objects.filter(pk=current.pk).update(is_current=False)
    Protocol.objects.filter(pk=legacy.pk).update(is_current=True)
    try:
        yield legacy
    finally:
        Protocol.objects.filter(pk=legacy.pk).update(is_current=False)
        if current is not None:
            Protocol.objects.filter(pk=current.pk).update(is_current=True)


def no_quiet_hours(clinic) -> None:
    """Tests run at any hour; start == end switches quiet hours off."""
    clinic.quiet_hours_start = clinic.quiet_hours_end = dt.time(0, 0)
    clinic.save(update_fields=["quiet_hours_start", "quiet_hours_end"])


def start_survey(
    *,
    clinic,
    physician,
    procedure: str = "ESI",
    key: str = "m3",
    days_ago: int = 95,
    baseline_pain: int | None = 6,
    now: dt.datetime | None = None,
    levels: str = "",
    legacy: bool = False,
    **patient_fields,
) -> Checkpoint:
    """Enroll a new patient late enough that check ``key`` is due, and open it through the sweep.

    ``legacy``: pinned to the protocol version published before issue 23 (one red-flag question
    per text), as enrollments made before it are."""
    now = now or timezone.now()
    no_quiet_hours(clinic)
    patient = PatientFactory(clinic=clinic, **patient_fields)
    pinned = enrolling_on_legacy(procedure) if legacy else contextlib.nullcontext()
    with pinned:
        enrollment = enrollment_create(
            clinic=clinic,
            physician=physician,
            patient_data={"mrn": patient.mrn},
            procedure=procedure,
            performed_on=(now - dt.timedelta(days=days_ago)).date(),
            baseline_pain=baseline_pain,
            now=now,
            levels=levels,
        )
    with transaction.atomic():
        checkpoint = (
            Checkpoint.objects.select_for_update()
            .select_related("enrollment__patient", "enrollment__clinic", "enrollment__protocol")
            .get(enrollment=enrollment, key=key)
        )
        outcome = checkpoint_open(checkpoint=checkpoint, now=now)
    assert outcome == "opened", (outcome, checkpoint.status_reason)
    checkpoint.refresh_from_db()
    assert checkpoint.status == CheckpointStatus.OPEN
    return checkpoint


FORM = "application/x-www-form-urlencoded"


def form(params: dict) -> dict:
    """Keyword arguments for a test client's ``post``: ``params`` form-encoded, as Twilio posts
    them (the webhooks refuse multipart and JSON bodies)."""
    return {"data": urlencode(params, doseq=True), "content_type": FORM}


def sign(path: str, params: dict) -> str:
    return twilio_signature(f"{settings.PUBLIC_BASE_URL}{path}", params)


def process_inbound() -> int:
    """Do what a worker does with every stored text (the webhook only stores them)."""
    from notifications.inbound import inbound_process_in_order
    from notifications.models import InboundMessage, InboundStatus

    ids = list(
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in ids:
        inbound_process_in_order(inbound_id=pk)
    return len(ids)


def post_sms(
    client,
    *,
    body: str,
    from_: str,
    sid: str | None = None,
    signed: bool = True,
    process: bool = True,
    **extra,
):
    """POST a signed inbound text; unless ``process=False``, process it as a worker would.

    The response carries ``safety_text``: the safety instructions queued for the sender while
    processing it ("" if none)."""
    params = {
        "MessageSid": sid or new_sid(),
        "SmsSid": sid or "",
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": from_,
        "To": OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    params["SmsSid"] = params["MessageSid"]
    headers = {"HTTP_X_TWILIO_SIGNATURE": sign(SMS_URL, params)} if signed else {}
    before = OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(SMS_URL, **form(params), **headers)
    if process:
        process_inbound()
    response.safety_text = " ".join(
        OutboundMessage.objects.filter(pk__gt=before, to=from_, purpose="safety")
        .order_by("pk")
        .values_list("body", flat=True)
    )
    return response


def post_status(client, *, message_id: int | None, sid: str, status: str, error_code: str = ""):
    path = STATUS_URL + (f"?m={message_id}" if message_id is not None else "")
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": settings.TWILIO_ACCOUNT_SID}
    if error_code:
        params["ErrorCode"] = error_code
    return client.post(path, **form(params), HTTP_X_TWILIO_SIGNATURE=sign(path, params))


def texts_to(number: str) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(to=number, channel="sms").order_by("created_at", "id")
    )


def bodies_to(number: str) -> list[str]:
    return [m.body for m in texts_to(number)]


def last_text(number: str) -> str:
    texts = bodies_to(number)
    return texts[-1] if texts else ""


def safety_text(response) -> str:
    """The safety instructions a posted text made us queue for its sender ("" if none)."""
    return response.safety_text
