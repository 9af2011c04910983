"""Shared parts of the reply parsers: the result type, reasons, and text normalisation."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

EMPTY = "empty"
OUT_OF_RANGE = "out_of_range"
NOT_INTEGER = "not_integer"
AMBIGUOUS = "ambiguous"
UNCLEAR = "unclear"

YES_NO = "yes_no"
NRS = "nrs"
CHOICE = "choice"

# More digits than this cannot be a score; stop before int() (and Python's 4,300-digit limit).
MAX_DIGITS = 6


@dataclass(frozen=True)
class Parsed:
    ok: bool
    value: object | None
    reason: str = ""


def words_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


def parse_failed(reason: str) -> Parsed:
    return Parsed(ok=False, value=None, reason=reason)


def parse_ok(value: object) -> Parsed:
    return Parsed(ok=True, value=value, reason="")


# --------------------------------------------------------------------------- normalisation

_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u00b4`")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")


def _fold(text: str) -> str:
    """Lowercase, strip accents and marks, and map any script's decimal digits to ASCII."""
    out = []
    for ch in unicodedata.normalize("NFKD", text.casefold()):
        if unicodedata.category(ch) in ("Mn", "Me"):  # accents, keycap enclosure, VS16
            continue
        if ch.isdecimal() and not ch.isascii():
            out.append(str(unicodedata.decimal(ch)))
            continue
        out.append(ch)
    return "".join(out)


def normalise(text: object) -> str:
    """Text reduced for matching: "Sí, un 7/10!!" -> "si un 7/10", "6,5" stays "6,5".

    Apostrophes are removed so "don't" matches "dont"; "/" is kept ("7/10"); a minus or dash is
    kept only right before a digit ("-1", "6-7") and "." or "," only between digits ("6.5", "6,5")
    or as a leading decimal point (".5" -> "0.5", never "5");
    every other symbol, emoji and punctuation mark becomes a space.
    """
    if text is None:
        return ""
    # "7 / 10" is the same answer as "7/10"
    folded = re.sub(r"(\d)\s*/\s*(\d)", r"\1/\2", _fold(str(text)))
    out: list[str] = []
    last = len(folded) - 1
    for i, ch in enumerate(folded):
        nxt = folded[i + 1] if i < last else ""
        prev = folded[i - 1] if i > 0 else ""
        if ch.isalnum() or (ch == "/" and prev.isalnum() and nxt.isalnum()):
            out.append(ch)
        elif ch in _APOSTROPHES:
            continue
        elif ch in _DASHES and nxt.isdigit():
            out.append("-")
        elif ch in ".," and prev.isdigit() and nxt.isdigit():
            out.append(ch)
        elif ch in ".," and nxt.isdigit() and (prev == "" or not (prev.isalnum() or prev in ".,")):
            # ".5" / ",5" is a half (0.5), not a 5: it becomes "0.5", a decimal, and is re-asked.
            # After another "." or "," ("hmm...5") it is the end of an ellipsis, not a point.
            out.append("0" + ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def is_blank(text: object) -> bool:
    return text is None or not str(text).strip()


# Message reactions (iMessage tapbacks, Google Messages to non-RCS phones) arrive as text that
# quotes our own question, which contains the very words we look for.
_REACTION = re.compile(
    r"^\s*(liked|loved|disliked|laughed at|emphasi[sz]ed|questioned|reacted \S+ to|"
    r"le gust[oó]|le encant[oó]|no le gust[oó]|le hizo re[ií]r|enfatiz[oó]|cuestion[oó])"
    r"\s*[\"“”'‘’«]",
    re.IGNORECASE,
)


def is_reaction(text: str) -> bool:
    return bool(_REACTION.match(text))


def phrase_table(words: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(normalise(w).split()) for w in words)


def collapse_repeats(token: str) -> str:
    """ "yesss" -> "yes", "noooo" -> "no", "siii" -> "si": stretched words are common in SMS."""
    return re.sub(r"(.)\1+", r"\1", token)


def language_or_default(language: str | None) -> str:
    """ "es-MX", "ES", "es_US" -> "es"; anything unsupported falls back to English."""
    code = re.split(r"[-_]", (language or "en").strip().lower())[0]
    return code if code in ("en", "es") else "en"
