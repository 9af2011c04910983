"""Turn a patient's free-typed SMS reply into a survey answer, or say why it cannot be one.

The parsers never raise on patient input: every reply gets a ``Parsed`` with ``ok`` and, when not
ok, a short machine reason the caller uses to choose its re-prompt ("empty", "out_of_range",
"not_integer", "ambiguous", "unclear"). Programming errors (bad options, low > high, unknown
kind) do raise ``ValueError``.

Rules shared by all parsers (why they are strict):
- A reply must be the answer plus words that carry no meaning of their own ("its a 7", "Yes I
  do", "no thanks"). Anything else is "unclear" rather than a guess: a number inside a sentence
  may be a time, a dose or a date ("took my meds at 8"), and "no but my leg is weak" must reach a
  human, not be filed as "no". The caller keeps the raw text and routes unclear free text on.
- Two different answers in one reply ("yes no", "6 or 7", "more or less") are "ambiguous".
- Words of both supported languages are accepted whatever the patient's language: the language
  on file may be wrong, and bilingual patients mix ("yes" from a Spanish speaker, "si" from an
  English speaker). The only word whose meaning changes with the language is "ya" (English slang
  for yes, Spanish for "already/enough"), so it counts as yes only for English.
- Unicode decimal digits from other scripts ("٧", "７") are read as the digit they are: phone
  keyboards in Arabic, Persian or Hindi locales produce them and the value is unambiguous. A
  keycap emoji ("7️⃣") is read as its digit for the same reason.
- Emoji carry no answer: a thumbs-up is as often "got it" as "yes" (and reactions are sent as text
  like 'Liked "…"'), so 👍/👎 and reactions are "unclear" and the patient is asked again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
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
_MAX_DIGITS = 6


@dataclass(frozen=True)
class Parsed:
    ok: bool
    value: object | None
    reason: str = ""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _fail(reason: str) -> Parsed:
    return Parsed(ok=False, value=None, reason=reason)


def _ok(value: object) -> Parsed:
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
    kept only right before a digit ("-1", "6-7") and "." or "," only between digits ("6.5", "6,5");
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
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def _is_blank(text: object) -> bool:
    return text is None or not str(text).strip()


# Message reactions (iMessage tapbacks, Google Messages to non-RCS phones) arrive as text that
# quotes our own question, which contains the very words we look for.
_REACTION = re.compile(
    r"^\s*(liked|loved|disliked|laughed at|emphasi[sz]ed|questioned|reacted \S+ to|"
    r"le gust[oó]|le encant[oó]|no le gust[oó]|le hizo re[ií]r|enfatiz[oó]|cuestion[oó])"
    r"\s*[\"“”'‘’«]",
    re.IGNORECASE,
)


def _is_reaction(text: str) -> bool:
    return bool(_REACTION.match(text))


def _phrases(words: Iterable[str]) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(normalise(w).split()) for w in words)


def _collapse_repeats(token: str) -> str:
    """ "yesss" -> "yes", "noooo" -> "no", "siii" -> "si": stretched words are common in SMS."""
    return re.sub(r"(.)\1+", r"\1", token)


# --------------------------------------------------------------------------- yes / no

_YES_COMMON = _phrases(
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
_YES_EN_ONLY = _phrases(["ya"])
_NO = _phrases(
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
_UNSURE = _phrases(
    [
        "idk", "i dont know", "dont know", "dunno", "no idea", "no clue", "not sure",
        "im not sure", "i am not sure", "unsure", "maybe", "perhaps", "possibly", "kind of",
        "kinda", "sort of", "sorta", "a little", "a bit", "sometimes",
        "no se", "no lo se", "no estoy seguro", "no estoy segura", "quizas", "quiza",
        "tal vez", "a lo mejor", "puede ser", "mas o menos", "un poco", "a veces",
    ]
)  # fmt: skip
_YES_NO_FILLER = _words(
    """i im am ok okay k well um umm uh oh so just really thanks thank you thx ty please pls plz
    sir maam doc doctor nurse hi hello hey fine good all that think have it is its
    gracias muchas por favor pues bueno vale senor senora senorita doctora hola tengo estoy es eso
    yo la el verdad"""
)


def _longest_phrase(
    tokens: Sequence[str], i: int, tables: Sequence[tuple[str, frozenset[tuple[str, ...]]]]
) -> tuple[str, int] | None:
    """The category and length of the longest phrase from ``tables`` starting at ``tokens[i]``."""
    collapsed = (_collapse_repeats(tokens[i]),)
    for length in range(min(5, len(tokens) - i), 0, -1):
        window = tuple(tokens[i : i + length])
        for category, table in tables:
            if window in table or (length == 1 and collapsed in table):
                return category, length
    return None


def _yes_no_signals(tokens: Sequence[str], language: str) -> tuple[set[str], bool]:
    """Which answer categories the tokens contain, and whether any token is not understood."""
    yes = _YES_COMMON if language == "es" else _YES_COMMON | _YES_EN_ONLY
    tables = (("unsure", _UNSURE), ("no", _NO), ("yes", yes))
    found: set[str] = set()
    unknown = False
    i = 0
    while i < len(tokens):
        hit = _longest_phrase(tokens, i, tables)
        if hit:
            found.add(hit[0])
            i += hit[1]
            continue
        if tokens[i] not in _YES_NO_FILLER:
            unknown = True
        i += 1
    return found, unknown


def _language(language: str | None) -> str:
    """ "es-MX", "ES", "es_US" -> "es"; anything unsupported falls back to English."""
    code = re.split(r"[-_]", (language or "en").strip().lower())[0]
    return code if code in ("en", "es") else "en"


def parse_yes_no(text: str, language: str = "en") -> Parsed:
    """A yes/no answer: value True or False.

    Digits are not accepted ("1"/"2" are unclear): the mapping is arbitrary and a bare number is
    more likely a late answer to a previous 0-10 question than a yes or a no.
    """
    if _is_blank(text):
        return _fail(EMPTY)
    if _is_reaction(str(text)):
        return _fail(UNCLEAR)
    tokens = normalise(text).split()
    found, unknown = _yes_no_signals(tokens, _language(language))
    if "yes" in found and "no" in found:
        return _fail(AMBIGUOUS)
    if "unsure" in found or unknown or not found:
        return _fail(UNCLEAR)
    return _ok("yes" in found)


# --------------------------------------------------------------------------- numbers (NRS)

_EN_NUMBERS = """zero one two three four five six seven eight nine ten eleven twelve thirteen
    fourteen fifteen sixteen seventeen eighteen nineteen twenty"""
_ES_NUMBERS = """cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce
    quince dieciseis diecisiete dieciocho diecinueve veinte"""
_NUMBER_WORDS = {
    word: value for words in (_EN_NUMBERS, _ES_NUMBERS) for value, word in enumerate(words.split())
}
# "un"/"una" are Spanish articles ("un 7"), not the number one, so they are filler below.
_NRS_FILLER = _words(
    """a an the its it is i id im am my me say would guess think about around approximately
    approx roughly like maybe probably prob pain level score rate rating currently now right
    today tonight at still feel feels be ok okay thanks thank you thx well um uh hmm so hi hello
    or to and out of number
    un una es mi el la dolor como unos unas mas menos o y a tengo esta en ahora hoy pues bueno
    creo que gracias le doy yo diria aproximadamente alrededor de del sobre numero nivel"""
)
# "7 and a half", "siete y medio", "six point five": a fraction in words is still not an integer.
_FRACTION_WORDS = _words("half quarter point medio media cuarto punto")
_DENOMINATOR_LEAD = (("out", "of"), ("of",), ("de",), ("sobre",))
_NUMERIC = re.compile(r"-?\d+(?:[.,]\d+)?")
_FRACTION = re.compile(r"(\d+(?:[.,]\d+)?)/(\d+(?:[.,]\d+)?)")
_RANGE = re.compile(r"\d+(?:[.,]\d+)?-\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class _Num:
    text: str  # as typed, e.g. "-1", "6,5", "7"

    @property
    def is_decimal(self) -> bool:
        return "." in self.text or "," in self.text

    def value(self) -> float | None:
        """The numeric value, or None when it has too many digits to be a score."""
        if len(self.text.lstrip("-").replace(",", ".").split(".")[0]) > _MAX_DIGITS:
            return None
        return float(self.text.replace(",", "."))


def _drop_denominators(items: list[object], high: int) -> list[object]:
    """Remove "out of 10", "de 10", "of ten" when the number is the top of the scale."""
    out: list[object] = []
    i = 0
    while i < len(items):
        matched = False
        if out and isinstance(out[-1], _Num):
            for lead in _DENOMINATOR_LEAD:
                end = i + len(lead)
                if tuple(items[i:end]) == lead and end < len(items):
                    nxt = items[end]
                    if isinstance(nxt, _Num) and nxt.value() == high:
                        i = end + 1
                        matched = True
                        break
        if not matched:
            out.append(items[i])
            i += 1
    return out


def _tokenise_numbers(tokens: Sequence[str], high: int) -> tuple[list[object], bool]:
    """Tokens as _Num for numbers and plain strings otherwise; True if a token holds 2 numbers."""
    items: list[object] = []
    multiple = False
    for tok in tokens:
        if _NUMERIC.fullmatch(tok):
            items.append(_Num(tok))
        elif tok in _NUMBER_WORDS:
            items.append(_Num(str(_NUMBER_WORDS[tok])))
        elif m := _FRACTION.fullmatch(tok):
            top, bottom = _Num(m.group(1)), _Num(m.group(2))
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
    if _is_blank(text):
        return _fail(EMPTY)
    if _is_reaction(str(text)):
        return _fail(UNCLEAR)
    tokens = normalise(text).split()
    items, multiple = _tokenise_numbers(tokens, high)
    items = _drop_denominators(items, high)
    numbers = [it for it in items if isinstance(it, _Num)]
    words = [it for it in items if isinstance(it, str)]
    distinct = {n.text if n.value() is None else n.value() for n in numbers}
    if multiple or len(distinct) > 1:
        return _fail(AMBIGUOUS)
    if numbers and any(w in _FRACTION_WORDS for w in words):
        return _fail(NOT_INTEGER)
    # Spanish "y" is "and" ("entre 6 y 7"), not the English one-letter yes.
    answers, _ = _yes_no_signals([w for w in words if w != "y"], _language(language))
    if numbers and answers & {"yes", "no"}:
        return _fail(AMBIGUOUS)  # "no no yes 6": answering another question too
    if not numbers or any(w not in _NRS_FILLER for w in words):
        return _fail(UNCLEAR)
    number = numbers[0]
    if number.is_decimal:
        # "6.5" and "6,5" alike: the scale has whole points only, and "7.0" is rare enough that
        # asking again costs less than guessing whether "1,000" is a thousand or one.
        return _fail(NOT_INTEGER)
    value = number.value()
    if value is None or not low <= value <= high:
        return _fail(OUT_OF_RANGE)
    return _ok(int(value))


# --------------------------------------------------------------------------- choices

_CHOICE_FILLER = _words(
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
    if _is_blank(text):
        return _fail(EMPTY)
    if _is_reaction(str(text)):
        return _fail(UNCLEAR)
    tokens = normalise(text).split()
    matches = _phrase_matches(tokens, [_option_phrases(o) for o in options])
    chosen = {idx for _, _, idx in matches}
    covered = {i for s, e, _ in matches for i in range(s, e)}
    numbers = [(i, tok) for i, tok in enumerate(tokens) if _NUMERIC.fullmatch(tok)]
    rest = [
        tok
        for i, tok in enumerate(tokens)
        if i not in covered and not _NUMERIC.fullmatch(tok) and tok not in _CHOICE_FILLER
    ]
    bad_number = None
    if numbers and not rest:
        for _, tok in numbers:
            num = _Num(tok)
            value = num.value()
            if not num.is_decimal and value is not None and 1 <= value <= len(options):
                chosen.add(int(value) - 1)
            else:
                bad_number = num
    if len(chosen) > 1 or (chosen and bad_number):
        return _fail(AMBIGUOUS)
    if chosen:
        return _ok(options[chosen.pop()]["value"])
    if bad_number is not None:
        return _fail(NOT_INTEGER if bad_number.is_decimal else OUT_OF_RANGE)
    return _fail(UNCLEAR)


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
    lang = _language(language)
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
