"""Lane choice for an inbound text (settings.INBOUND_LANE_CHOOSER): which queue it waits in.

The transport (``notifications.inbound``) calls :func:`inbound_lane` in Twilio's request, so it
must be fast and must not touch the database; it only picks the queue, both are processed alike.
"""

from __future__ import annotations

import functools
import re

from ..parsing import normalise, parse_yes_no
from ..screening import EMERGENCY, URGENT
from ..screening import screen_text as screen_text_only
from ..services.redflags import parse_ack

# A pain score, an ODI or sender-prompt choice: digits, maybe a decimal and "/10".
_PLAIN_NUMBER = re.compile(r"\s*\d{1,3}(?:[.,]\d{1,2})?(?:\s*/\s*10)?\s*[.!]*\s*")
# Two or more numbers ("1 3", "1, 3", "2 y 5"): a red-flag checklist reply naming several symptoms
# (followup/checklists.py), never a valid pain score or option. A single number stays routine: it
# is mostly a pain score, and the checklist text itself already told the patient to call 911.
# "1,3" and "7.5" with no space stay routine too: they read as decimals ("7,5" in Spanish).
_SEVERAL_NUMBERS = re.compile(
    r"\s*\d{1,2}(?:(?:\s*(?:[;&+]|and|y)\s*|\s*[,.]\s+|\s+)\d{1,2})+\s*[.!]*\s*",
    re.IGNORECASE,
)
# Longer than any answer: read in full, first, without screening it in Twilio's request.
_SCREEN_MAX_LENGTH = 500


# The morning's replies are mostly the same few short bodies ("no", "3", option words): each
# is read in both languages once per process, not once per text (a tenth of the webhook's own
# work). Longer, free texts are rarely repeated and are read every time.
_LANE_CACHED_LENGTH = 40


def inbound_lane(body: str) -> str:
    """ "urgent" for a text that could raise a red flag or stop a page: a yes (red-flag rules
    fire on a YES), words the screener reads as EMERGENCY or URGENT, a clinician's ACK, a text
    with no words (a photo) or too long to screen here. "routine" for the rest: numbers, a plain
    "no" (at most a ROUTINE care gap), option words, keywords. Only the queue differs; both
    are processed the same way, and a routine text is still screened by the worker."""
    if len(body) <= _LANE_CACHED_LENGTH:
        return lane_cached(body)
    return lane_read(body)


@functools.lru_cache(maxsize=2048)
def lane_cached(body: str) -> str:
    """:func:`lane_read`, remembered per body (short bodies only; see _LANE_CACHED_LENGTH)."""
    return lane_read(body)


def lane_read(body: str) -> str:
    """The lane, read afresh (no cache)."""
    if _SEVERAL_NUMBERS.fullmatch(body):
        return "urgent"
    if _PLAIN_NUMBER.fullmatch(body):
        return "routine"
    if not body.strip() or len(body) > _SCREEN_MAX_LENGTH:
        return "urgent"
    answers = {parse_yes_no(body, language).value for language in ("en", "es")}
    if answers == {False}:
        return "routine"
    # "Yes, since yesterday" is no clean yes to the parser (the worker asks again), but it is a
    # yes to whatever red-flag question was asked: a yes among the first words is urgent.
    leading = normalise(body).split()[:3]
    if any(
        parse_yes_no(word, language).value is True for word in leading for language in ("en", "es")
    ):
        return "urgent"
    if True in answers or parse_ack(body) is not None:
        return "urgent"
    return "urgent" if screen_text_only(body).tier in (EMERGENCY, URGENT) else "routine"
