"""0-10 numeric rating scale answers (and any other low..high integer scale)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .common import (
    AMBIGUOUS,
    EMPTY,
    MAX_DIGITS,
    NOT_INTEGER,
    OUT_OF_RANGE,
    UNCLEAR,
    Parsed,
    is_blank,
    is_reaction,
    language_or_default,
    normalise,
    parse_failed,
    parse_ok,
    words_of,
)
from .yes_no import yes_no_signals

# --------------------------------------------------------------------------- numbers (NRS)

_EN_NUMBERS = """zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty"""
_ES_NUMBERS = """cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce
    quince dieciseis diecisiete dieciocho diecinueve veinte"""
NUMBER_WORDS = {
    word: value for words in (_EN_NUMBERS, _ES_NUMBERS) for value, word in enumerate(words.split())
}
# "un"/"una" are Spanish articles ("un 7"), not the number one, so they are filler below.
NRS_FILLER = words_of(
    """a an the its it is i id im am my me say would guess think about around approximately
    approx roughly like maybe probably prob pain level score rate rating currently now right
    today tonight at still feel feels be ok okay thanks thank you thx well um uh hmm so hi hello
    or to and out of number
    un una es mi el la dolor como unos unas mas menos o y a tengo esta en ahora hoy pues bueno
    creo que gracias le doy yo diria aproximadamente alrededor de del sobre numero nivel"""
)
# "7 and a half", "siete y medio", "six point five": a fraction in words is still not an integer.
FRACTION_WORDS = words_of("half quarter point medio media cuarto punto")
_DENOMINATOR_LEAD = (("out", "of"), ("of",), ("de",), ("sobre",))
NUMERIC = re.compile(r"-?\d+(?:[.,]\d+)?")
_FRACTION = re.compile(r"(\d+(?:[.,]\d+)?)/(\d+(?:[.,]\d+)?)")
_RANGE = re.compile(r"\d+(?:[.,]\d+)?-\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Num:
    text: str  # as typed, e.g. "-1", "6,5", "7"

    @property
    def is_decimal(self) -> bool:
        return "." in self.text or "," in self.text

    def value(self) -> float | None:
        """The numeric value, or None when it has too many digits to be a score."""
        if len(self.text.lstrip("-").replace(",", ".").split(".")[0]) > MAX_DIGITS:
            return None
        return float(self.text.replace(",", "."))


def _drop_denominators(items: list[object], high: int) -> list[object]:
    """Remove "out of 10", "de 10", "of ten" when the number is the top of the scale."""
    out: list[object] = []
    i = 0
    while i < len(items):
        matched = False
        if out and isinstance(out[-1], Num):
            for lead in _DENOMINATOR_LEAD:
                end = i + len(lead)
                if tuple(items[i:end]) == lead and end < len(items):
                    nxt = items[end]
                    if isinstance(nxt, Num) and nxt.value() == high:
                        i = end + 1
                        matched = True
                        break
        if not matched:
            out.append(items[i])
            i += 1
    return out


def _tokenise_numbers(tokens: Sequence[str], high: int) -> tuple[list[object], bool]:
    """Tokens as Num for numbers and plain strings otherwise; True if a token holds 2 numbers."""
    items: list[object] = []
    multiple = False
    for tok in tokens:
        if NUMERIC.fullmatch(tok):
            items.append(Num(tok))
        elif tok in NUMBER_WORDS:
            items.append(Num(str(NUMBER_WORDS[tok])))
        elif m := _FRACTION.fullmatch(tok):
            top, bottom = Num(m.group(1)), Num(m.group(2))
            items.append(top)
            if bottom.value() != high:  # "3/4" is a date or two answers, not a score
                multiple = True
        elif _RANGE.fullmatch(tok):
            multiple = True
        else:
            items.append(tok)
    return items, multiple


def parse_nrs(text: str, language: str = "en", *, low: int = 0, high: int = 10) -> Parsed:
    """An integer on a ``low``..``high`` numeric rating scale (default the 0-10 pain NRS)."""
    if low > high:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    if is_blank(text):
        return parse_failed(EMPTY)
    if is_reaction(str(text)):
        return parse_failed(UNCLEAR)
    tokens = normalise(text).split()
    items, multiple = _tokenise_numbers(tokens, high)
    items = _drop_denominators(items, high)
    numbers = [it for it in items if isinstance(it, Num)]
    words = [it for it in items if isinstance(it, str)]
    distinct = {n.text if n.value() is None else n.value() for n in numbers}
    if multiple or len(distinct) > 1:
        return parse_failed(AMBIGUOUS)
    if numbers and any(w in FRACTION_WORDS for w in words):
        return parse_failed(NOT_INTEGER)
    # Spanish "y" is "and" ("entre 6 y 7"), not the English one-letter yes.
    answers, _ = yes_no_signals([w for w in words if w != "y"], language_or_default(language))
    if numbers and answers & {"yes", "no"}:
        return parse_failed(AMBIGUOUS)  # "no no yes 6": answering another question too
    if not numbers or any(w not in NRS_FILLER for w in words):
        return parse_failed(UNCLEAR)
    number = numbers[0]
    if number.is_decimal:
        # "6.5" and "6,5" alike: the scale has whole points only, and "7.0" is rare enough that
        # asking again costs less than guessing whether "1,000" is a thousand or one.
        return parse_failed(NOT_INTEGER)
    value = number.value()
    if value is None or not low <= value <= high:
        return parse_failed(OUT_OF_RANGE)
    return parse_ok(int(value))
