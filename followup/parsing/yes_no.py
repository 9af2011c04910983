"""Yes/no answers and the English and Spanish words that carry them."""

from __future__ import annotations

from collections.abc import Sequence

from .common import (
    AMBIGUOUS,
    EMPTY,
    UNCLEAR,
    Parsed,
    collapse_repeats,
    is_blank,
    is_reaction,
    language_or_default,
    normalise,
    parse_failed,
    parse_ok,
    phrase_table,
    words_of,
)

# --------------------------------------------------------------------------- yes / no

YES_COMMON = phrase_table(
    [
        # English
        "y", "yes", "ye", "yeah", "yea", "yeh", "yep", "yup", "yah", "yas", "yess", "yessir",
        "sure", "correct", "affirmative", "definitely", "absolutely", "certainly", "indeed",
        "true", "of course", "i do", "i did", "i think so", "uh huh",
        # Spanish
        "si", "sip", "claro", "claro que si", "por supuesto", "asi es", "correcto", "cierto",
        "afirmativo", "efectivamente", "desde luego", "si tengo",
    ]
)  # fmt: skip
YES_EN_ONLY = phrase_table(["ya"])
NO = phrase_table(
    [
        # English
        "n", "no", "nope", "nah", "naw", "nay", "nop", "not", "never", "none", "nothing",
        "negative", "no way", "not at all", "dont", "do not", "i dont", "i do not", "didnt",
        "did not", "i didnt", "i did not", "havent", "have not", "i havent", "i have not",
        "hasnt", "has not", "isnt", "is not", "its not", "it isnt", "im not", "i am not",
        "doesnt", "does not", "it doesnt", "i dont think so", "dont think so", "no i dont",
        # Spanish
        "para nada", "nada", "tampoco", "negativo", "ninguno", "ninguna", "ya no", "no tengo",
        "en absoluto",
    ]
)  # fmt: skip
# Hedges: they contain "no" or "not" but are not a no, and must never be read as one.
UNSURE = phrase_table(
    [
        "idk", "i dont know", "dont know", "dunno", "no idea", "no clue", "not sure",
        "im not sure", "i am not sure", "unsure", "maybe", "perhaps", "possibly", "kind of",
        "kinda", "sort of", "sorta", "a little", "a bit", "sometimes",
        "no se", "no lo se", "no estoy seguro", "no estoy segura", "quizas", "quiza",
        "tal vez", "a lo mejor", "puede ser", "mas o menos", "un poco", "a veces",
    ]
)  # fmt: skip
YES_NO_FILLER = words_of(
    """i im am ok okay k well um umm uh oh so just really thanks thank you thx ty please pls plz
    sir maam doc doctor nurse hi hello hey fine good all that think have it is its
    gracias muchas por favor pues bueno vale senor senora senorita doctora hola tengo estoy es eso
    yo la el verdad"""
)


def _longest_phrase(
    tokens: Sequence[str], i: int, tables: Sequence[tuple[str, frozenset[tuple[str, ...]]]]
) -> tuple[str, int] | None:
    """The category and length of the longest phrase from ``tables`` starting at ``tokens[i]``."""
    collapsed = (collapse_repeats(tokens[i]),)
    for length in range(min(5, len(tokens) - i), 0, -1):
        window = tuple(tokens[i : i + length])
        for category, table in tables:
            if window in table or (length == 1 and collapsed in table):
                return category, length
    return None


def yes_no_signals(tokens: Sequence[str], language: str) -> tuple[set[str], bool]:
    """Which answer categories the tokens contain, and whether any token is not understood."""
    yes = YES_COMMON if language == "es" else YES_COMMON | YES_EN_ONLY
    tables = (("unsure", UNSURE), ("no", NO), ("yes", yes))
    found: set[str] = set()
    unknown = False
    i = 0
    while i < len(tokens):
        hit = _longest_phrase(tokens, i, tables)
        if hit:
            found.add(hit[0])
            i += hit[1]
            continue
        if tokens[i] not in YES_NO_FILLER:
            unknown = True
        i += 1
    return found, unknown


def parse_yes_no(text: str, language: str = "en") -> Parsed:
    """A yes/no answer: value True or False.

    Digits are not accepted ("1"/"2" are unclear): the mapping is arbitrary and a bare number is
    more likely a late answer to a previous 0-10 question than a yes or a no.
    """
    if is_blank(text):
        return parse_failed(EMPTY)
    if is_reaction(str(text)):
        return parse_failed(UNCLEAR)
    tokens = normalise(text).split()
    found, unknown = yes_no_signals(tokens, language_or_default(language))
    if "yes" in found and "no" in found:
        return parse_failed(AMBIGUOUS)
    if "unsure" in found or unknown or not found:
        return parse_failed(UNCLEAR)
    return parse_ok("yes" in found)
