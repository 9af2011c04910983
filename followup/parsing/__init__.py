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

from .choice import parse_choice
from .common import (
    AMBIGUOUS,
    CHOICE,
    EMPTY,
    NOT_INTEGER,
    NRS,
    OUT_OF_RANGE,
    UNCLEAR,
    YES_NO,
    Parsed,
    normalise,
)
from .hints import reprompt_hint
from .numbers import parse_nrs
from .yes_no import parse_yes_no

__all__ = [
    "AMBIGUOUS",
    "CHOICE",
    "EMPTY",
    "NOT_INTEGER",
    "NRS",
    "OUT_OF_RANGE",
    "UNCLEAR",
    "YES_NO",
    "Parsed",
    "normalise",
    "parse_choice",
    "parse_nrs",
    "parse_yes_no",
    "reprompt_hint",
]
