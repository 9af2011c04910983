"""The one-line re-prompt that tells a patient which answers are valid."""

from __future__ import annotations

from .common import CHOICE, NRS, YES_NO, language_or_default

# --------------------------------------------------------------------------- re-prompts

# Kept inside GSM-7 so a re-prompt costs one plain segment: the GSM 03.38 alphabet has "é", "ñ",
# "ü", "¡", "¿" but not "á", "í", "ó", "ú". Hence "un valor" rather than "un número", and "SI"
# written in capitals without its accent (as Spanish SMS commonly does).
_HINTS = {
    ("en", NRS): "Please reply with a number from {low} to {high}.",
    ("es", NRS): "Responda con un valor del {low} al {high}.",
    ("en", YES_NO): "Please reply YES or NO.",
    ("es", YES_NO): "Responda SI o NO.",
    ("en", CHOICE): "Please reply {numbers}.",
    ("es", CHOICE): "Responda {numbers}.",
}


def _join_numbers(count: int, language: str) -> str:
    """ "1, 2, 3 or 4" / "1, 2, 3 o 4"; Spanish "o" turns "u" before 8 ("ocho") and 11 ("once")."""
    numbers = [str(n) for n in range(1, count + 1)]
    if count == 1:
        return numbers[0]
    conj = "or"
    if language == "es":
        last = numbers[-1]
        conj = "u" if last.startswith("8") or last == "11" else "o"
    return f"{', '.join(numbers[:-1])} {conj} {numbers[-1]}"


def reprompt_hint(
    kind: str,
    language: str,
    *,
    low: int = 0,
    high: int = 10,
    options: list[dict] | None = None,
) -> str:
    """The short sentence that tells the patient which answers are valid ("yes_no", "nrs",
    "choice"). Unsupported languages get English."""
    lang = language_or_default(language)
    if kind == CHOICE:
        if not options:
            raise ValueError("a choice hint needs the options")
        return _HINTS[(lang, CHOICE)].format(numbers=_join_numbers(len(options), lang))
    if kind == NRS:
        if low > high:
            raise ValueError(f"low ({low}) must not exceed high ({high})")
        return _HINTS[(lang, NRS)].format(low=low, high=high)
    if kind == YES_NO:
        return _HINTS[(lang, YES_NO)]
    raise ValueError(f"unknown answer kind {kind!r}")
