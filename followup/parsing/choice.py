"""Multiple-choice answers: an option's words in either language, or its number alone."""

from __future__ import annotations

from collections.abc import Sequence

from .common import (
    AMBIGUOUS,
    EMPTY,
    NOT_INTEGER,
    OUT_OF_RANGE,
    UNCLEAR,
    Parsed,
    is_blank,
    is_reaction,
    normalise,
    parse_failed,
    parse_ok,
    words_of,
)
from .numbers import NUMERIC, Num

# --------------------------------------------------------------------------- choices

CHOICE_FILLER = words_of(
    """i im its it is a an the my option choice number answer reply ok okay please pls thanks
    thank you thx um uh well so
    opcion numero respuesta la el es mi un una por favor gracias pues bueno"""
)


def _option_phrases(option: dict) -> list[tuple[str, ...]]:
    # The machine "value" is deliberately not matched: values are often codes or scores ("0".."5")
    # that would collide with the 1-based option numbers.
    raw = [str(option[key]) for key in ("en", "es") if option.get(key)]
    aliases = option.get("aliases") or {}
    if isinstance(aliases, dict):
        for words in aliases.values():
            raw += [str(w) for w in words]
    else:
        raw += [str(w) for w in aliases]
    phrases = [tuple(normalise(r).split()) for r in raw]
    return [p for p in phrases if p]


def _phrase_matches(
    tokens: Sequence[str], phrases_by_option: list[list[tuple[str, ...]]]
) -> list[tuple[int, int, int]]:
    """(start, end, option index) of every option phrase found as whole words in ``tokens``."""
    matches = []
    for idx, phrases in enumerate(phrases_by_option):
        for phrase in phrases:
            n = len(phrase)
            for start in range(len(tokens) - n + 1):
                if tuple(tokens[start : start + n]) == phrase:
                    matches.append((start, start + n, idx))
    # "much better" must not also count as option "better": drop a match lying inside a longer
    # match of another option.
    return [
        (s, e, idx)
        for s, e, idx in matches
        if not any(
            s2 <= s and e <= e2 and (e2 - s2) > (e - s) and idx2 != idx for s2, e2, idx2 in matches
        )
    ]


def parse_choice(text: str, options: list[dict], language: str = "en") -> Parsed:
    """One of ``options``: value is the chosen option's "value".

    The option's 1-based number counts only when the reply is the number alone (plus filler or the
    option's own words): in "2 pills" the 2 is a count, not option 2. Option words, in either
    language and with or without accents, count wherever they appear as whole words; ``language``
    is accepted for symmetry with the other parsers and does not narrow that.
    """
    if not options:
        raise ValueError("parse_choice needs at least one option")
    if any("value" not in option for option in options):
        raise ValueError("every option needs a 'value'")
    if is_blank(text):
        return parse_failed(EMPTY)
    if is_reaction(str(text)):
        return parse_failed(UNCLEAR)
    tokens = normalise(text).split()
    matches = _phrase_matches(tokens, [_option_phrases(o) for o in options])
    chosen = {idx for _, _, idx in matches}
    covered = {i for s, e, _ in matches for i in range(s, e)}
    numbers = [(i, tok) for i, tok in enumerate(tokens) if NUMERIC.fullmatch(tok)]
    rest = [
        tok
        for i, tok in enumerate(tokens)
        if i not in covered and not NUMERIC.fullmatch(tok) and tok not in CHOICE_FILLER
    ]
    bad_number = None
    if numbers and not rest:
        for _, tok in numbers:
            num = Num(tok)
            value = num.value()
            if not num.is_decimal and value is not None and 1 <= value <= len(options):
                chosen.add(int(value) - 1)
            else:
                bad_number = num
    if len(chosen) > 1 or (chosen and bad_number):
        return parse_failed(AMBIGUOUS)
    if chosen:
        return parse_ok(options[chosen.pop()]["value"])
    if bad_number is not None:
        return parse_failed(NOT_INTEGER if bad_number.is_decimal else OUT_OF_RANGE)
    return parse_failed(UNCLEAR)
