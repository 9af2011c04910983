"""Reactions to delivery outcomes that change what we know about a patient's contact details."""

from __future__ import annotations

from .services import patient_mark_phone_invalid, patient_opt_out

# Twilio 21610: the handset sent STOP to our number; the carrier blocks us until START.
OPTED_OUT_CODES = {"21610"}
INVALID_NUMBER_CODES = {"21211", "21614", "30003", "30005", "30006", "21612", "21408"}


def on_outbound_failed(sender, message, permanent: bool, **kwargs) -> None:
    if message.patient_id is None or message.channel != "sms" or not permanent:
        return
    if message.error_code in OPTED_OUT_CODES:
        patient_opt_out(patient=message.patient, source=f"carrier block ({message.error_code})")
    elif message.error_code in INVALID_NUMBER_CODES:
        patient_mark_phone_invalid(
            patient_id=message.patient_id, reason=f"Twilio {message.error_code}"
        )
