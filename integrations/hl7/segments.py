"""Reading the fields we use out of a parsed HL7v2 message (python-hl7 does the parsing).

SIU^S12-S15 (scheduling) and ORM^O01 (orders). Every accessor returns "" for an absent field
rather than raising: what is missing is decided by the feed, which answers AE with the reason.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import hl7


def _get(message: hl7.Message, segment: str, f: int, r: int = 1, c: int = 1) -> str:
    try:
        value = message.extract_field(segment, 1, f, r, c)
    except (KeyError, IndexError):
        return ""
    return str(value or "").strip()


def _repetitions(message: hl7.Message, segment: str, f: int) -> list:
    try:
        seg = message.segment(segment)
        value = seg[f]
    except (KeyError, IndexError):
        return []
    # A field with "~" is a list of Repetitions; one without is the repetition itself.
    if isinstance(value, list) and value and all(isinstance(v, hl7.Repetition) for v in value):
        return list(value)
    return [value]


def _component(rep, c: int) -> str:
    try:
        value = rep[c - 1]
    except (IndexError, TypeError):
        return "" if c > 1 else str(rep or "").strip()
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "").strip()


def hl7_date(value: str) -> dt.date | None:
    """The date part of an HL7 DT/DTM/TS (``YYYYMMDD[HHMM[SS]][+ZZZZ]``)."""
    digits = value[:8]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


@dataclass
class Header:
    facility: str
    control_id: str
    message_type: str  # e.g. "SIU^S12"


def header(message: hl7.Message) -> Header:
    return Header(
        facility=_get(message, "MSH", 4),
        control_id=_get(message, "MSH", 10),
        message_type=f"{_get(message, 'MSH', 9, 1, 1)}^{_get(message, 'MSH', 9, 1, 2)}".upper(),
    )


@dataclass
class Booking:
    """What a scheduling or order message says about one procedure."""

    action: str  # "book", "update", "cancel"
    placer_id: str
    code: str
    performed_on: dt.date | None
    physician_id: str
    mrn: str
    patient: dict = field(default_factory=dict)


_SIU_ACTIONS = {"S12": "book", "S13": "update", "S14": "update", "S15": "cancel"}
_ORM_ACTIONS = {"NW": "book", "XO": "update", "CA": "cancel", "OC": "cancel", "DC": "cancel"}


def _mrn(message: hl7.Message) -> str:
    ids = _repetitions(message, "PID", 3)
    for rep in ids:
        if _component(rep, 5).upper() == "MR" and _component(rep, 1):
            return _component(rep, 1)
    return _component(ids[0], 1) if ids else ""


def _telecoms(message: hl7.Message) -> tuple[str, str]:
    phone = email = ""
    for rep in _repetitions(message, "PID", 13) + _repetitions(message, "PID", 14):
        if _component(rep, 4) and "@" in _component(rep, 4):
            email = email or _component(rep, 4)
            continue
        area, local = _component(rep, 6), _component(rep, 7)
        number = f"{area}{local}" if local else _component(rep, 1)
        if number and not phone:
            country = _component(rep, 5)
            phone = f"+{country}{number}" if country else number
    return phone, email


def patient_fields(message: hl7.Message) -> dict:
    phone, email = _telecoms(message)
    dob = hl7_date(_get(message, "PID", 7))
    language = _get(message, "PID", 15).lower()[:2]
    data = {
        "first_name": _get(message, "PID", 5, 1, 2),
        "last_name": _get(message, "PID", 5, 1, 1),
        "date_of_birth": dob.isoformat() if dob else _get(message, "PID", 7),
        "phone": phone,
        "email": email,
        "preferred_channel": "sms" if phone or not email else "email",
    }
    if language in ("en", "es"):
        data["language"] = language
    return data


def booking(message: hl7.Message, head: Header) -> Booking:
    kind, event = head.message_type.split("^")
    if kind == "SIU":
        action = _SIU_ACTIONS[event]
        placer = _get(message, "SCH", 1) or _get(message, "SCH", 2)
        code = _get(message, "AIS", 3)
        when = _get(message, "AIS", 4) or _get(message, "SCH", 11, 1, 4)
        physician = _get(message, "AIP", 3)
    else:  # ORM^O01
        control = _get(message, "ORC", 1).upper()
        action = _ORM_ACTIONS.get(control, "")
        placer = _get(message, "ORC", 2) or _get(message, "OBR", 2)
        code = _get(message, "OBR", 4)
        when = _get(message, "OBR", 7) or _get(message, "ORC", 7, 1, 4) or _get(message, "TQ1", 7)
        physician = _get(message, "OBR", 16) or _get(message, "ORC", 12)
    return Booking(
        action=action,
        placer_id=placer,
        code=code,
        performed_on=hl7_date(when),
        physician_id=physician,
        mrn=_mrn(message),
        patient=patient_fields(message),
    )
