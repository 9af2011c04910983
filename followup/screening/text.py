"""Normalisation of a patient's text, with an offset map back to the original (issue 21).

Lower case, accents and apostrophes dropped, dashes and other spaces folded to one space, a line
break kept as a boundary, non-Latin digits read as digits, a letter typed three or more times in a
row counted once ("feverrr"). Every normalised character knows the slice of the original text it
came from, so evidence shown to a clinician is the patient's own words.

Speed (item 6): the fold of each distinct character is computed once per process (a text repeats
the same few dozen characters), the string is built with ``join`` rather than character by
character, and the two collapsing passes run as regular expressions that only touch the (rare)
runs they collapse.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

_APOSTROPHES = frozenset("'\u2018\u2019\u02bc\u00b4`")
_DASHES = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2212")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\u0085")
# A run of two or more spaces/line breaks, or a letter typed three or more times.
_RUNS = re.compile(r"[ \n]{2,}|([^\W\d_])\1{2,}")


@dataclass
class Norm:
    text: str
    starts: list[int]  # for each normalised character, where its source starts in the original
    ends: list[int]  # ... and where it ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original-text slice covering normalised ``[start, end)``."""
        if end <= start or not self.starts:
            return (0, 0)
        return self.starts[start], self.ends[end - 1]


@functools.cache
def fold_char(ch: str) -> str:
    """What one character of the original becomes: "", one character, or a few (ligatures)."""
    if ch in _APOSTROPHES:
        return ""
    if ch in _DASHES:
        return " "
    if ch in _LINE_BREAKS:
        return "\n"
    if ch.isspace() or ch == "\u200b":  # a zero-width space still separates words
        return " "
    if unicodedata.category(ch) == "Cf":  # soft hyphens, joiners, direction marks
        return ""
    if ch == "\u00ba":  # masculine ordinal, typed for a degree sign on Spanish keyboards
        return "\u00b0"
    if ch.isdigit() and not ch.isascii():
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            return str(digit)
    folded = unicodedata.normalize("NFKD", ch.lower())
    return "".join(c for c in folded if not unicodedata.combining(c)).lower()


def _normalise(text: str) -> Norm:
    pieces = list(map(fold_char, text))
    folded = "".join(pieces)
    if len(folded) == len(text) and all(len(p) == 1 for p in pieces):
        src = list(range(len(text)))  # the usual case: one character for one
    else:
        src = [i for i, p in enumerate(pieces) for _ in p]
    ends_src = [i + 1 for i in src]
    if not _RUNS.search(folded):
        return Norm(folded, src, ends_src)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for m in _RUNS.finditer(folded):
        a, b = m.span()
        out.append(folded[done:a])
        starts.extend(src[done:a])
        ends.extend(ends_src[done:a])
        run = m.group(0)
        # One space per run; a run holding a line break stays a line break (a boundary).
        out.append(run[0] if m.group(1) else ("\n" if "\n" in run else " "))
        starts.append(src[a])
        ends.append(ends_src[b - 1])
        done = b
    out.append(folded[done:])
    starts.extend(src[done:])
    ends.extend(ends_src[done:])
    return Norm("".join(out), starts, ends)


# The concept engine's layers (lexicon, context, facts, readings) read the same text one after
# the other: keep the last few normalisations.
normalise = functools.lru_cache(maxsize=8)(_normalise)
