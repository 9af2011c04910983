"""A bare "yes" or "no" that answers no open question gets a reply, never silence (issue 18).

Outside a check, a text gets the daily acknowledgement at most once a day; a lone yes or no is
different: the patient believes they answered something. They are told what it was taken as
(an answer we could not record) and what they can do. Every such text gets its reply: each is
one patient action, and our reply is not a question, so no ping-pong can start.
"""

from __future__ import annotations

import datetime as dt

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue

from .. import messages as msg
from ..messages import render
from ..parsing import parse_yes_no
from .state import language_of

_SAID = {("en", True): "YES", ("en", False): "NO", ("es", True): "SI", ("es", False): "NO"}


def bare_yes_no(text: str, language: str) -> bool | None:
    """True/False when the whole text is a yes or a no (in the patient's language), else None."""
    words = (text or "").split()
    if not words or len(words) > 3:
        return None  # a sentence is screened and acknowledged as a text, not taken as an answer
    parsed = parse_yes_no(text, language)
    return parsed.value if parsed.ok else None


def bare_answer_reply(*, patient, inbound, now: dt.datetime) -> str:
    """Send the "no question open" reply for a bare yes/no and return it; "" for other texts."""
    lang = language_of(patient)
    value = bare_yes_no(inbound.body or "", lang)
    if value is None:
        return ""
    reply = render(
        msg.BARE_YES_NO,
        lang,
        clinic=patient.clinic.name,
        answer=_SAID.get((lang, value), "YES" if value else "NO"),
    )
    outbox_enqueue(
        key=f"patient:{patient.pk}:bare-answer:{inbound.pk}",
        channel="sms",
        to=inbound.from_number,
        body=reply,
        purpose=OutboundPurpose.KEYWORD,
        patient=patient,
        unsolicited=False,
        now=now,
    )
    return reply
