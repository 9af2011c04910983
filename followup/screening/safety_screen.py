"""The structured safety screen (issue 21 item 3, pure part): the numbered SMS and its parser.

When :func:`followup.screening.screen_text` says ``needs_safety_screen``, the conversation sends
:func:`safety_screen_message` and reads the answer with :func:`parse_safety_screen_reply`. Any
positive choice takes the EMERGENCY path; a reply that names a number and "none" is read as the
number (lean towards the flag); a reply we cannot read is re-asked. Wiring it into the
conversation (and the 15-minute nurse-review timer) is the coordinator's follow-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from notifications.sms_encoding import is_gsm7

from . import engine
from .lexicon import load_yaml
from .results import PROCEDURES
from .text import normalise

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class SafetyScreen:
    text: str  # the SMS body, GSM-7
    options: tuple[str, ...]  # concept codes; option n is options[n - 1]
    language: str


@dataclass(frozen=True)
class SafetyScreenReply:
    chosen: tuple[str, ...]  # concept codes the patient picked
    none: bool  # the patient said none of these (and picked nothing)
    understood: bool  # False: ask again

    @property
    def emergency(self) -> bool:
        return bool(self.chosen)


@cache
def _data() -> dict:
    return load_yaml("safety_screen.yaml")


def _language(language: str | None) -> str:
    lang = (language or "en").strip().lower()[:2]
    return lang if lang in LANGUAGES else "en"


def safety_screen_message(procedure: str | None, language: str | None) -> SafetyScreen:
    """The numbered list of ``procedure``'s EMERGENCY symptoms plus "none of these"."""
    data = _data()
    lang = _language(language)
    known = procedure if procedure in PROCEDURES else None
    options = tuple(c for c in engine.emergency_concepts(known) if c in data["labels"])
    lines = [data["intro"][lang]]
    lines += [f"{n} {data['labels'][c][lang]}" for n, c in enumerate(options, start=1)]
    lines.append(data["none_option"][lang])
    text = "\n".join(lines)
    if not is_gsm7(text):  # a data-file typo must not silently double the cost of every screen
        raise ValueError("safety screen text is not GSM-7")
    return SafetyScreen(text, options, lang)


_NUMBER = re.compile(r"(?<![\d.,])\d{1,2}(?![\d.,]\d)")


@cache
def _words() -> tuple[dict[str, int], frozenset[str], tuple[tuple[str, ...], ...]]:
    data = _data()
    positions = {
        normalise(w).text: int(n) for lang in LANGUAGES for w, n in data["positions"][lang].items()
    }
    none_phrases = tuple(
        tuple(normalise(str(p)).text.split())
        for lang in LANGUAGES
        for p in data["none_words"][lang]
    )
    return positions, frozenset(positions), none_phrases


def parse_safety_screen_reply(text: str, screen: SafetyScreen) -> SafetyScreenReply:
    """Which options the reply picks ("2", "2 and 4", "2,4", "yes the second", "none", "ninguno")."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    # No decimals in an answer to a numbered list: "2,4" is two choices.
    norm = normalise(text).text.replace(",", " ")
    positions, _, none_phrases = _words()
    count = len(screen.options)
    picked: list[int] = []
    out_of_range = False
    for m in _NUMBER.finditer(norm):
        n = int(m.group(0))
        if 1 <= n <= count:
            picked.append(n)
        elif n != 0:
            out_of_range = True
    words = re.findall(r"[a-z0-9]+", norm)
    for word in words:
        if word in positions and not word.isdigit():
            n = positions[word]
            if 1 <= n <= count:
                picked.append(n)
            else:
                out_of_range = True
    chosen = tuple(dict.fromkeys(screen.options[n - 1] for n in picked))
    said_none = any(
        tuple(words[i : i + len(p)]) == p for p in none_phrases for i in range(len(words))
    )
    if chosen:
        return SafetyScreenReply(chosen, none=False, understood=True)
    if said_none and not out_of_range:
        return SafetyScreenReply((), none=True, understood=True)
    return SafetyScreenReply((), none=False, understood=False)
