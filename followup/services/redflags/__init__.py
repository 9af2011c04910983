"""Red flags: turn a patient's answers or words into flags, escalations and a safety reply.

Two ways in, one way out. :func:`redflags_from_answers` runs the enrollment's pinned protocol
rules over the YES answers to ``RF_*`` questions (``answers.py``); :func:`redflags_from_text`
screens free text (``text.py``). Both create :class:`~followup.models.Flag` rows and hand them to
``result.finish``: the red flags one report raises are ONE incident (one escalation at the highest
tier, carrying every finding, paged once) and the patient is told what to do now.

The caller that answers an inbound SMS puts ``patient_reply`` in its TwiML response; any other
caller (the web form) passes ``reply_via_outbox=True`` and the reply goes out through the outbox.
A clinician's "ACK 4821" comes in on the same webhook: :func:`escalation_handle_clinician_sms`
(``clinician.py``) answers it, or returns None when the number is not a clinician's.
"""

from .answers import redflags_from_answers
from .clinician import escalation_handle_clinician_sms, parse_ack
from .result import RedFlagResult
from .text import TEXT_REVIEW, redflags_from_text

__all__ = [
    "TEXT_REVIEW",
    "RedFlagResult",
    "escalation_handle_clinician_sms",
    "parse_ack",
    "redflags_from_answers",
    "redflags_from_text",
]
