"""How much an SMS body costs, and how to keep it cheap.

A message is sent in GSM-7 (160 septets per single message) only when every character is in the
GSM 03.38 default alphabet or its extension table; one character outside it switches the whole
message to UCS-2, which fits only 70 UTF-16 code units. Long messages are split into parts that
each lose room to the concatenation header (153 septets / 67 code units per part).

Decisions:
- Only the default alphabet and its extension table count as GSM-7. National language shift
  tables (3GPP TS 23.038 annex A) are not assumed: US carriers do not apply them.
- 0x09 is listed in 3GPP TS 23.038 as capital "Ç". Some encoders also send small "ç" as 0x09
  (showing it as "Ç"); we treat "ç" as non-GSM so we never under-estimate a message's cost.
- Spanish "é", "ñ", "ü", "¡", "¿" are GSM-7, but "á", "í", "ó", "ú" are not: Spanish templates
  should be worded to avoid them (or accept UCS-2 and its 70-character parts).
"""

from __future__ import annotations

from typing import Literal

# GSM 03.38 default alphabet, in code order (0x00-0x7F). 0x1B is the escape to the extension
# table, not a character, so it is left out.
GSM7_BASIC: frozenset[str] = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

# Extension table: each of these is sent as ESC + code, so it costs two septets.
GSM7_EXTENDED: frozenset[str] = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE = 160
GSM7_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67

Encoding = Literal["GSM-7", "UCS-2"]

# Typographic characters that phones, word processors and template editors slip in. Each one on
# its own turns the whole message into UCS-2 and cuts it from 160 to 70 characters per segment,
# so a 100-character reminder with one curly apostrophe costs two segments instead of one.
GSM_SAFE_REPLACEMENTS: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark / typographic apostrophe
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",  # single high-reversed-9 quotation mark
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent used as an apostrophe
    "`": "'",  # grave accent is not in GSM 03.38 (0x60 is "¿")
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',  # double high-reversed-9 quotation mark
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # left-pointing guillemet
    "\u00bb": '"',  # right-pointing guillemet
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2026": "...",  # ellipsis
    "\u2022": "-",  # bullet
    "\u00a0": " ",  # no-break space: invisible, and still forces UCS-2
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\u2007": " ",  # figure space
    "\u2008": " ",  # punctuation space
    "\u2009": " ",  # thin space
    "\u200a": " ",  # hair space
    "\u202f": " ",  # narrow no-break space (French typography, some keyboards)
    "\u3000": " ",  # ideographic space
    "\t": " ",  # tab is not in GSM 03.38
    "\u200b": "",  # zero-width space
    "\u2060": "",  # word joiner
    "\ufeff": "",  # byte-order mark pasted from files
    "\u00ad": "",  # soft hyphen
}


def is_gsm7(text: str) -> bool:
    """True when the whole text can be sent in the GSM-7 alphabet (basic or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def encoding(text: str) -> Encoding:
    """The encoding a carrier will use for this body: "GSM-7" or "UCS-2"."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def non_gsm_chars(text: str) -> list[str]:
    """The distinct characters that force UCS-2, in order of first appearance (for error messages
    and template checks: show the author exactly what to remove)."""
    seen: dict[str, None] = {}
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENDED:
            seen.setdefault(ch, None)
    return list(seen)


def _unit_costs(text: str) -> tuple[list[int], int, int]:
    """Per-character cost in the message's encoding, plus the single and per-part capacities."""
    if is_gsm7(text):
        costs = [2 if ch in GSM7_EXTENDED else 1 for ch in text]
        return costs, GSM7_SINGLE, GSM7_PART
    # UCS-2 on the wire is really UTF-16: characters outside the BMP (most emoji) take a
    # surrogate pair, i.e. two code units.
    costs = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return costs, UCS2_SINGLE, UCS2_PART


def segments(text: str) -> int:
    """Number of SMS segments the body is billed as; 0 for an empty body (nothing is sent).

    Parts are packed greedily without splitting an escape sequence (GSM-7 extended character) or a
    surrogate pair across two parts, as handsets and carriers do, so a long text full of "€" or
    emoji can need one more part than a plain division suggests.
    """
    if not text:
        return 0
    costs, single, per_part = _unit_costs(text)
    if sum(costs) <= single:
        return 1
    parts, used = 1, 0
    for cost in costs:
        if used + cost > per_part:
            parts += 1
            used = 0
        used += cost
    return parts


def to_gsm7_safe(text: str) -> str:
    """Replace typographic punctuation and odd spaces with their GSM-7 look-alikes.

    Letters are left alone on purpose: turning "ó" into "o" changes the words a patient reads, so
    that is a wording decision for the template author, not something to do silently here.
    """
    return "".join(GSM_SAFE_REPLACEMENTS.get(ch, ch) for ch in text)
