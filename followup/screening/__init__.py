"""Red-flag screening of patients' free text (issue 21). Public names callers use:
``screen_text``, ``Screening``, ``SymptomMatch``, ``EMERGENCY``/``URGENT``/``ROUTINE``,
``detect_language``, ``CODES``, ``PROCEDURES``.

Two layers read every text (docs/screening.md):

- the **concept engine** (``engine``, ``context``, ``lexicon`` and ``data/*.yaml``): lay-term
  lexicons in English and Spanish with typo tolerance, a ConText assertion layer (negation before
  and after, pseudo-negation, resolved versus current, hypothetical, experiencer) and tier rules
  as data. It is the layer that generalises to wordings nobody wrote a phrase for;
- the **phrase rules** of the previous screener (``phrases``), kept as a floor because the shipped
  labelled table and its temperature and blood-sugar readings depend on them. The concept
  engine's assertion layer overrules a phrase finding it reads as denied, resolved, hypothetical
  or someone else's; when the two layers disagree about an EMERGENCY the text gets the safety
  screen.

The tier is the higher of the two layers (a miss costs more than a false alarm). A crash in the
concept engine never loses a text: the phrase result stands and the safety screen is asked for.
"""

from __future__ import annotations

import logging

from . import context, engine, phrases
from .results import (
    EMERGENCY,
    PROCEDURES,
    ROUTINE,
    TIERS,
    URGENT,
    Screening,
    SymptomMatch,
    detect_language,
)

logger = logging.getLogger(__name__)

_UNCL = "UNCLASSIFIED_SYMPTOM"
CODES = phrases.CODES | frozenset(rule.code for rule in engine.knowledge().rules)

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
    base = phrases.screen_text(text, language=language, procedure=procedure)
    if not isinstance(text, str):
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text or "")
    known = procedure if procedure in PROCEDURES else None
    try:
        doc, mentions, facts = engine.read(text)
        calm = context.reassured_or_about_someone_else(doc)
        outcomes = engine.decide(mentions, facts, known, days_since)
    except Exception:  # noqa: BLE001 - a crash must not make a patient's message disappear
        logger.exception("concept screening failed; keeping the phrase result and asking")
        return Screening(
            tier=base.tier or ROUTINE,
            matches=base.matches or (SymptomMatch(_UNCL, ROUTINE, ""),),
            needs_human=True,
            language=base.language,
            needs_safety_screen=base.tier != EMERGENCY,
        )
    return _combine(text, base, mentions, outcomes, calm)


def _overlaps(text: str, evidence: str, mention: engine.Mention) -> bool:
    """Whether a phrase finding and a concept mention are the same words of the text. Both carry
    evidence strings, not offsets, so the first occurrence stands for a repeated one; the caller
    vetoes nothing when any mention with the same words is affirmed ("no fever. fever 102 now")."""
    if not evidence:
        return False
    start = text.find(evidence)
    m_start = text.find(mention.evidence)
    if start < 0 or m_start < 0:
        return False
    return start < m_start + len(mention.evidence) and m_start < start + len(evidence)


def _combine(
    text: str,
    base: Screening,
    mentions: list[engine.Mention],
    outcomes: list[engine.Outcome],
    calm: bool,
) -> Screening:
    rank = engine.RANK
    not_affirmed = [m for m in mentions if not m.assertion.affirmed]
    conflict = False
    kept_phrases = []
    for match in base.matches:
        vetoed = not match.crisis_line and any(
            _overlaps(text, match.evidence, m)
            and not any(a.assertion.affirmed and a.evidence == m.evidence for a in mentions)
            for m in not_affirmed
        )
        if vetoed:
            # A relative's EMERGENCY symptom, read as theirs: ask the patient to be sure.
            conflict = conflict or (
                match.tier == EMERGENCY
                and any(
                    m.assertion.other_person and _overlaps(text, match.evidence, m)
                    for m in not_affirmed
                )
            )
            continue
        kept_phrases.append(
            match if match.reason else _with_reason(match, "phrase rule of the previous screener")
        )
    # Downstream, each code becomes a flag (and may join an escalation): where the phrase rules
    # already found the text's tier, their codes stand alone; the concept engine adds its
    # findings only when it raises the tier (or carries the crisis line), so one symptom is
    # never flagged twice under two names.
    phrase_rank = max((rank[m.tier] for m in kept_phrases), default=0)
    by_code: dict[str, SymptomMatch] = {}
    for match in kept_phrases:
        best = by_code.get(match.code)
        if best is None or rank[match.tier] > rank[best.tier]:
            by_code[match.code] = match
    phrase_crisis = any(m.crisis_line for m in kept_phrases)
    for o in outcomes:
        raises = rank[o.tier] > phrase_rank or (o.crisis and not phrase_crisis)
        if raises and (o.code not in by_code or rank[o.tier] > rank[by_code[o.code].tier]):
            by_code[o.code] = SymptomMatch(o.code, o.tier, o.evidence, o.crisis, o.reason)
    # Where both layers agree on a tier, the clinician reads the concept engine's reason.
    agreeing = {o.tier: o.reason for o in reversed(outcomes)}
    for code, match in by_code.items():
        if match.reason.startswith("phrase rule") and match.tier in agreeing:
            by_code[code] = _with_reason(match, f"{agreeing[match.tier]}; phrase rule {code}")
    matches = tuple(sorted(by_code.values(), key=lambda m: -rank[m.tier]))
    tier = matches[0].tier if matches else None
    body_unclassified = (
        any(engine.knowledge().concepts[m.concept].body and m.assertion.affirmed for m in mentions)
        and rank[tier] < rank[URGENT]
    )
    unclassified = any(m.code == _UNCL for m in matches) and rank[tier] < rank[URGENT] and not calm
    return Screening(
        tier=tier,
        matches=matches,
        needs_human=tier is not None or base.needs_human,
        language=base.language,
        needs_safety_screen=tier != EMERGENCY and (conflict or unclassified or body_unclassified),
    )


def _with_reason(match: SymptomMatch, reason: str) -> SymptomMatch:
    return SymptomMatch(match.code, match.tier, match.evidence, match.crisis_line, reason)
