"""HL7v2 ORU^R01 write-back: a check's scores and a red flag as OBX segments, sent over MLLP.

Built with python-hl7: every value goes through ``Message.escape`` (the message's own separators)
and the result is parsed back with ``hl7.parse`` before it leaves, so a malformed message never
reaches the EHR. MSH-10 (message control id) is ``WB<write-back row id>``: a resend after a lost
ACK carries the same id, which the receiving engine uses to drop the duplicate.

OBX per score: ODI total LOINC 97909-6 (``%``), pain now NRS LOINC 72514-3; the 7-day average NRS
and the VAS under our local code system (``L``). A red flag: OBX CWE with the rule code and the
rule's reason (never the patient's own words), OBX-8 ``AA`` for EMERGENCY/URGENT, ``A`` otherwise.
"""

from __future__ import annotations

import datetime as dt
import socket

import hl7
from django.conf import settings
from django.utils import timezone
from hl7.client import CR, EB, SB

from followup.models import Checkpoint, Flag, Score

from ..fhir.resources import rest_ids
from ..models import ClinicInterface, WriteBack
from .errors import DeliveryError

_ENCODING = "^~\\&"
_LOCAL = "L"
_LOINC = "LN"


def _ts(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S+0000")
    return value.strftime("%Y%m%d")


def _msh(row: WriteBack, interface: ClinicInterface | None) -> str:
    app = getattr(settings, "HL7_APPLICATION", "SPINE_FOLLOWUP")
    receiver = interface.sending_facility if interface else ""
    return (
        f"MSH|{_ENCODING}|{app}|{app}||{receiver}|{_ts(timezone.now())}||"
        f"ORU^R01^ORU_R01|WB{row.pk}|P|2.5.1"
    )


class _Builder:
    """Segments as lists of already-escaped fields, escaped with the header's separators."""

    def __init__(self, msh: str) -> None:
        self.container = hl7.parse(msh)
        self.segments = [msh]

    def esc(self, value: object) -> str:
        return self.container.escape(str(value)) if value not in (None, "") else ""

    def comp(self, *parts: object) -> str:
        return "^".join(self.esc(p) for p in parts).rstrip("^")

    def add(self, name: str, *fields: str) -> None:
        self.segments.append("|".join((name, *fields)))

    def message(self) -> str:
        text = "\r".join(self.segments) + "\r"
        hl7.parse(text)  # raises on anything python-hl7 cannot read back
        return text


def _pid(b: _Builder, patient) -> None:
    b.add(
        "PID",
        "1",
        "",
        b.comp(patient.mrn, "", "", patient.clinic.slug, "MR"),
        "",
        b.comp(patient.last_name, patient.first_name),
        "",
        _ts(patient.date_of_birth),
    )


def _obx_score(b: _Builder, set_id: int, score: Score) -> None:
    coded = {
        "ODI": ("97909-6", "Oswestry Disability Index score", _LOINC, "%"),
        "NRS_NOW": ("72514-3", "Pain severity 0-10 verbal numeric rating", _LOINC, "{score}"),
    }
    code, text, system, unit = coded.get(
        score.kind, (score.kind, score.get_kind_display(), _LOCAL, "{score}")
    )
    b.add(
        "OBX",
        str(set_id),
        "NM",
        b.comp(code, text, system),
        "",
        b.esc(score.value),
        b.esc(unit),
        "",
        "",
        "",
        "",
        "F",
        "",
        "",
        _ts(score.computed_at),
    )


def check_oru(row: WriteBack, checkpoint: Checkpoint, interface: ClinicInterface | None) -> str:
    """ORU^R01 of a completed check: PID, one OBR for the check, one OBX per score."""
    enrollment = checkpoint.enrollment
    b = _Builder(_msh(row, interface))
    _pid(b, enrollment.patient)
    b.add(
        "OBR",
        "1",
        b.esc(f"E{enrollment.pk}"),
        b.esc(f"C{checkpoint.pk}"),
        b.comp(f"{enrollment.protocol.code}-{checkpoint.key}", checkpoint.label, _LOCAL),
        "",
        "",
        _ts(checkpoint.completed_at),
        *([""] * 17),
        "F",
    )
    for n, score in enumerate(Score.objects.filter(checkpoint=checkpoint).order_by("pk"), 1):
        _obx_score(b, n, score)
    return b.message()


def flag_oru(row: WriteBack, flag: Flag, interface: ClinicInterface | None) -> str:
    """ORU^R01 of a red flag: PID, one OBR, one OBX with the rule and its tier."""
    b = _Builder(_msh(row, interface))
    _pid(b, flag.patient)
    b.add(
        "OBR",
        "1",
        b.esc(f"E{flag.enrollment_id}" if flag.enrollment_id else ""),
        b.esc(f"F{flag.pk}"),
        b.comp("RED_FLAG", "Red flag", _LOCAL),
        "",
        "",
        _ts(flag.created_at),
        *([""] * 17),
        "F",
    )
    b.add(
        "OBX",
        "1",
        "CWE",
        b.comp("RED_FLAG", "Red flag", _LOCAL),
        "",
        b.comp(flag.rule_code, flag.reason, rest_ids().system("CodeSystem/red-flag")),
        "",
        "",
        "AA" if flag.tier in ("EMERGENCY", "URGENT") else "A",
        "",
        "",
        "F",
        "",
        "",
        _ts(flag.created_at),
    )
    b.add("NTE", "1", "", b.esc(f"tier {flag.tier}"))
    return b.message()


def _field(message: hl7.Message, segment: str, index: int) -> str:
    try:
        return str(message.segment(segment)[index]).strip()
    except (KeyError, IndexError):
        return ""


def mllp_send(*, host: str, port: int, message: str, control_id: str) -> None:
    """Send one message over MLLP and read its ACK; raise ``DeliveryError`` unless it is AA.

    No answer, a refused or dropped connection: temporary (retried). AE/AR: permanent, with the
    ACK's MSA-3 (or ERR) text as the reason. An ACK for another control id is temporary.
    """
    encoding = getattr(settings, "HL7_ENCODING", "utf-8")
    timeout = settings.WRITEBACK_TIMEOUT_SECONDS
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(SB + message.encode(encoding) + EB + CR)
            data = b""
            while EB not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    raise DeliveryError("MLLP: connection closed without an ACK", permanent=False)
                data += chunk
    except DeliveryError:
        raise
    except (TimeoutError, OSError) as error:
        raise DeliveryError(f"MLLP: {type(error).__name__}", permanent=False) from None
    raw = data.split(SB, 1)[-1].split(EB, 1)[0].decode(encoding, errors="replace")
    try:
        ack = hl7.parse(raw)
        code = str(ack.segment("MSA")[1]).strip()
        acked = str(ack.segment("MSA")[2]).strip()
    except (KeyError, IndexError, ValueError, hl7.ParseException):
        raise DeliveryError("MLLP: unreadable ACK", permanent=False) from None
    if code in ("AA", "CA"):
        if acked and acked != control_id:
            raise DeliveryError(f"MLLP: ACK for {acked[:40]}", permanent=False)
        return
    reason = _field(ack, "MSA", 3) or _field(ack, "ERR", 8)
    raise DeliveryError(f"ACK {code[:2]}: {reason}"[:200], permanent=True)
