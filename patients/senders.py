"""Which sender a clinic's texts go out from, and whether a phone is already another clinic's.

The transport (notifications) knows senders only as strings handed to it per message; the clinic
that owns a sender is known here. A clinic without its own sender uses the global default
(TWILIO_MESSAGING_SERVICE_SID, else TWILIO_FROM_NUMBER), returned as "" so the backend applies it.
"""

from __future__ import annotations

from .models import Clinic, Patient


def clinic_sender(clinic: Clinic) -> str:
    """The clinic's sender for outbound texts: its messaging service, its number, or "" (default)."""
    return clinic.sms_messaging_service_sid or clinic.sms_from_number or ""


def patient_sender(patient: Patient) -> str:
    return clinic_sender(patient.clinic)


# Names nobody and no clinic: the phone may be a family's, or a typo, or a probe.
SHARED_PHONE_WARNING = (
    "This phone number is also on file at another clinic. Check it with the patient: texts "
    "from a number that clinics share reach one clinic only."
)


def enrollment_phone_warnings(*, phone: str, clinic_id: int) -> list[str]:
    """Warnings to show whoever just enrolled a patient with ``phone`` at ``clinic_id``."""
    return (
        [SHARED_PHONE_WARNING]
        if phone_used_by_other_clinic(phone=phone, clinic_id=clinic_id)
        else []
    )


def phone_used_by_other_clinic(*, phone: str, clinic_id: int) -> bool:
    """Does a patient of another clinic have this phone? (Enrolment warns, naming nobody.)"""
    if not phone:
        return False
    return Patient.objects.filter(phone=phone).exclude(clinic_id=clinic_id).exists()
