"""Red-flag screening of patients' free text (issue 21). Public names callers use:
``screen_text``, ``Screening``, ``SymptomMatch``, ``EMERGENCY``/``URGENT``/``ROUTINE``,
``detect_language``, ``CODES``, ``PROCEDURES``.

One engine reads every text (docs/screening.md): lay-term lexicons in English and Spanish with
typo tolerance (``lexicon``), thermometer and glucose-meter readings (``readings``), a ConText
assertion layer (``context``: negation before and after, pseudo-negation, resolved versus
current, hypothetical, experiencer, "better"/"fine" for plain complaints) and tier rules
(``engine``), all as data under ``data/``. The previous screener's phrase rules were ported into
that data and removed (issue 21 item 7).

A crash in the engine never loses a text: it is sent to a human as ROUTINE and the patient is
asked the safety screen.
"""

from __future__ import annotations

import logging

from . import context, engine
from .results import (
    EMERGENCY,
    PROCEDURES,
    RANK,
    ROUTINE,
    TIERS,
    URGENT,
    Screening,
    SymptomMatch,
    detect_language,
)

logger = logging.getLogger(__name__)

_UNCL = engine.UNCLASSIFIED
# Every code a match can carry: the rule codes of rules.yaml (the protocols' rule codes where a
# protocol has the rule: SOB_CHEST, WEAKNESS, BLADDER_BOWEL, ...) and the unclassified code.
CODES = frozenset(rule.code for rule in engine.knowledge().rules) | {_UNCL}

__all__ = [
    "CODES",
    "EMERGENCY",
    "PROCEDURES",
    "ROUTINE",
    "TIERS",
    "URGENT",
    "Screening",
    "SymptomMatch",
    "detect_language",
    "screen_text",
]


def screen_text(
    text: str,
    *,
    language: str | None = None,
    procedure: str | None = None,
    days_since: int | None = None,
) -> Screening:
    """Screen one patient text for red flags.

    ``procedure`` is the enrollment's procedure code (None or unknown: every procedure's rules
    count, the safe default); ``days_since`` the days since it (None: rules limited in days
    count); ``language`` the patient's language on file (both languages are read anyway).
    """
    if not isinstance(text, str):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text or "")
    known = _procedure(procedure)
    try:
        doc, mentions, facts = engine.read(text)
        lang = _language(language, text, doc.norm.text)
        calm = context.reassured_or_about_someone_else(doc)
        outcomes = engine.decide(mentions, facts, known, days_since)
        return _result(mentions, outcomes, calm, known, lang)
    except Exception:  # noqa: BLE001 - a crash must not make a patient's message disappear
        logger.exception("screening failed; sending the text to a human with the safety screen")
        return Screening(
            tier=ROUTINE,
            matches=(SymptomMatch(_UNCL, ROUTINE, "", reason="screening failed: needs a human"),),
            needs_human=True,
            language=_language_or_default(language, text),
            needs_safety_screen=True,
        )


def _language(language: str | None, text: str, normalised: str | None = None) -> str:
    """The language on file ("es-MX" is "es"), or the text's when none is on file."""
    if language:
        code = str(language).strip().lower().replace("_", "-").split("-")[0]
        if code:
            return code
    return detect_language(text, normalised=normalised)


def _language_or_default(language: str | None, text: str) -> str:
    try:
        return _language(language, text)
    except Exception:  # noqa: BLE001 - already on the crash path: English, the default
        return "en"


def _procedure(procedure: str | None) -> str | None:
    """The procedure code, or None when unknown: every procedure's rules count (safe default)."""
    if procedure is None:
        return None
    code = str(procedure).strip().upper().replace("-", "_").replace(" ", "_")
    return code if code in PROCEDURES else None


def _result(
    mentions: list[engine.Mention],
    outcomes: list[engine.Outcome],
    calm: bool,
    procedure: str | None,
    language: str,
) -> Screening:
    matches = tuple(SymptomMatch(o.code, o.tier, o.evidence, o.crisis, o.reason) for o in outcomes)
    tier = matches[0].tier if matches else None
    concepts = engine.knowledge().concepts
    # A body complaint, or anything only the unclassified net caught, that no rule raised to
    # URGENT: ask the numbered safety screen, unless the text reassures or is about someone else.
    own = {m.concept for m in mentions if engine.counts(m) and not concepts[m.concept].qualifier}
    asking = any(concepts[c].body or concepts[c].asks for c in own)
    # When unsure, ask: an URGENT finding with another complaint beside it ("fever and I feel
    # terrible", "my incision is red and my legs feel heavy") may be an emergency told badly.
    several = tier == URGENT and len(own) >= 2
    unsure = (
        (asking or any(m.code == _UNCL for m in matches))
        and (RANK[tier] < RANK[URGENT] or several)
        and not calm
    )
    # A relative's EMERGENCY symptom, read as theirs: ask the patient to be sure.
    emergency = set(engine.emergency_concepts(procedure))
    theirs = any(m.assertion.other_person and m.concept in emergency for m in mentions)
    return Screening(
        tier=tier,
        matches=matches,
        needs_human=tier is not None,
        language=language,
        needs_safety_screen=tier != EMERGENCY and (unsure or theirs),
    )
