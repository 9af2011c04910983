"""A clinician's reply to a page ("ACK 4821") on the patients' webhook."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from patients.models import Patient

from ..escalations import clinician_memberships_for_phone, escalation_ack_by_sms

_CODE = re.compile(r"(?<!\d)\d{4,8}(?!\d)")
# Words that may stand around the code in an acknowledgement ("ACK 4821", "got it 4821 thx").
# fmt: off
_ACK_WORDS = {
    "ack", "acked", "acknowledge", "acknowledged", "ok", "okay", "k", "yes", "y", "got", "it",
    "mine", "on", "taking", "take", "accept", "accepted", "confirm", "confirmed", "roger",
    "thanks", "thx", "calling", "will", "call", "code", "flag", "page", "and",
    "si", "sí", "recibido", "lo", "tengo", "gracias",
}
# fmt: on
_REFUSALS = {"no", "not", "cant", "can't", "cannot", "unable", "decline", "busy", "nope"}
_HELP = "To acknowledge a page, reply ACK and its code, e.g. ACK 4821."


def parse_ack(body: str) -> list[str] | None:
    """The codes a clinician's text acknowledges, or None if it is not an acknowledgement.

    Accepts "ACK 4821", "4821 ok", "ack4821", "Ack: #4821", a bare "4821". Refuses texts that
    carry a code but say something else ("can't take 4821", "who is 4821?"): those get help.
    """
    lowered = (body or "").lower()
    codes = _CODE.findall(lowered)
    if not codes:
        return None
    words = re.findall(r"[a-zñí']+", _CODE.sub(" ", lowered))
    if any(word in _REFUSALS for word in words) or "?" in lowered:
        return None
    if any(word not in _ACK_WORDS for word in words):
        return None
    return list(dict.fromkeys(codes))


def escalation_handle_clinician_sms(
    *, from_number: str, body: str, now: dt.datetime | None = None
) -> str | None:
    """Handle a text from a clinician's page phone; return the reply, or None if not a clinician.

    Only a clinician who was paged for that escalation can acknowledge it by text; anyone else is
    told so and nothing changes. A text that is not an acknowledgement gets a one-line help reply,
    unless the number also belongs to a patient (then the patient flow gets it: return None).
    """
    now = now or timezone.now()
    memberships = clinician_memberships_for_phone((from_number or "").strip())
    if not memberships:
        return None
    codes = parse_ack(body)
    if codes is None:
        if Patient.objects.filter(phone=from_number).exists():
            return None
        return _HELP
    replies = [escalation_ack_by_sms(memberships=memberships, code=code, now=now) for code in codes]
    return " ".join(replies)
