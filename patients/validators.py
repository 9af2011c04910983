"""Validation of phone numbers and time zones shared by models, the API and staff forms."""

from __future__ import annotations

import re
import zoneinfo

import phonenumbers
from django.core.exceptions import ValidationError


def normalise_phone(value: str, *, region: str = "US") -> str:
    """Return the E.164 form of a phone number or raise ValidationError.

    National numbers are read in ``region`` because US clinics type 512-555-0100 as often as +1...
    """
    if not value or not value.strip():
        raise ValidationError("Enter a phone number.", code="required")
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError("Enter a valid phone number, e.g. +15125550100.", code="invalid")
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError("Enter a valid phone number, e.g. +15125550100.", code="invalid")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if normalise_phone(value) != value:
        raise ValidationError("Phone numbers are stored in E.164 form, e.g. +15125550100.")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"Unknown time zone {value!r}; use an IANA name such as America/Chicago.",
            code="invalid",
        )


def validate_messaging_service_sid(value: str) -> None:
    """A Twilio messaging service SID: "MG" and 32 hexadecimal digits."""
    if not re.fullmatch(r"MG[0-9a-f]{32}", value or ""):
        raise ValidationError("A messaging service SID is MG followed by 32 hex digits.")
