"""Reactions to delivery outcomes that change what we know about a patient's contact details."""

from __future__ import annotations

from notifications.signals import FAILURE_INVALID_NUMBER, FAILURE_OPTED_OUT

from .services import patient_mark_phone_invalid, patient_opt_out


def on_outbound_failed(sender, message, permanent: bool, reason: str = "", **kwargs) -> None:
    """A text that will never arrive: the SMS backend's ``reason`` says whether the carrier blocks
    us (the handset sent STOP) or the number is unusable; the error code is kept for staff."""
    if message.patient_id is None or message.channel != "sms" or not permanent:
        return
    if reason == FAILURE_OPTED_OUT:
        patient_opt_out(patient=message.patient, source=f"carrier block ({message.error_code})")
    elif reason == FAILURE_INVALID_NUMBER:
        patient_mark_phone_invalid(
            patient_id=message.patient_id, reason=f"Twilio {message.error_code}"
        )
