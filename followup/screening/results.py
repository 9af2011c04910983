"""What screening returns, the tiers it uses and the procedures it knows (issue 21).

The tiers and their order come from :mod:`followup.tiers` (one tier module for flags,
escalations and screening); ``RANK`` is that order as numbers for comparisons here (higher is
more serious, ``None`` lowest).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from followup.tiers import EMERGENCY, ROUTINE, TIER_ORDER, URGENT, tier_rank

from .text import normalise

__all__ = [
    "EMERGENCY",
    "PROCEDURES",
    "RANK",
    "ROUTINE",
    "TIERS",
    "URGENT",
    "Screening",
    "SymptomMatch",
    "detect_language",
]

# Least serious first (the order screening has always exposed).
TIERS: tuple[str, ...] = tuple(reversed(TIER_ORDER))
RANK: dict[str | None, int] = {None: 0} | {t: len(TIER_ORDER) - tier_rank(t) for t in TIER_ORDER}

PROCEDURES = frozenset(
    {
        "VA",
        "SCS",
        "ITDD",
        "ESI",
        "LYSIS",
        "DISC",
        "FACET_SI",
        "NERVE_BLOCK",
        "TUMOR_ABLATION",
        "BIOPSY",
    }
)


@dataclass(frozen=True)
class SymptomMatch:
    code: str
    tier: str
    evidence: str  # the matched span of the original text
    crisis_line: bool = False  # self-harm: the patient also gets the 988 crisis line
    reason: str = ""  # what a clinician reads: the concept(s), their assertion, the rule's source


@dataclass(frozen=True)
class Screening:
    tier: str | None  # highest tier found, or None when the text is benign
    matches: tuple[SymptomMatch, ...]
    needs_human: bool  # True whenever the text may be a symptom we could not rule out
    language: str  # detected or given
    # A body symptom is mentioned but not confidently classified: send the structured safety
    # screen (followup.screening.safety_screen) and let a human look (issue 21 item 3).
    needs_safety_screen: bool = False

    @property
    def uncertain(self) -> bool:
        return self.needs_safety_screen


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ES_WORDS = _words(
    """el la los las que de del me mi mis tengo estoy muy pero por con y dolor fiebre gracias hola
    puedo siento cabeza piernas bien mal es esta una un para ya todo buenos dias cita si se su
    usted hoy ayer tambien porque donde cuando pierna espalda como mucho nada"""
)
_EN_WORDS = _words(
    """the and my i is it to have feel pain can you thanks thank im a of in legs back this that what
    when with but so fine ok good great hi hello yes am are was today yesterday leg head been
    just not"""
)
_ES_MARKS = re.compile("[\u00f1\u00bf\u00a1\u00e1\u00e9\u00ed\u00f3\u00fa]")
_WORD = re.compile(r"[a-z]+")


def detect_language(text: str, *, normalised: str | None = None) -> str:
    """ "es" or "en" by counting common words; English when unsure (the clinic's default)."""
    words = _WORD.findall(normalise(text).text if normalised is None else normalised)
    es = sum(w in _ES_WORDS for w in words) + 2 * len(_ES_MARKS.findall(text.lower()))
    en = sum(w in _EN_WORDS for w in words)
    return "es" if es > en else "en"
