"""The assertion layer: ConText (Harkema et al., J Biomed Inform 2009) with its rules as data.

Each symptom mention (a *target*) is asserted from the cues around it (``data/context.yaml``):
a cue modifies the targets inside its scope (a number of words forward, backward or both) up to
the end of the sentence or a terminating word ("but", "pero"). PSEUDO cues cancel the cues they
overlap ("no pain has ever been this bad" is a worst-ever pain, not a denial), and cue words that
are part of a target ("no puedo respirar", "can't breathe") are the symptom, never a denial.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from .lexicon import BOUNDARIES, Doc, Hit, Matcher, load_yaml

NEGATED = "NEGATED"
PSEUDO = "PSEUDO"
HISTORICAL = "HISTORICAL"
CURRENT = "CURRENT"
HYPOTHETICAL = "HYPOTHETICAL"
FAMILY = "FAMILY"
TERMINATE = "TERMINATE"
CATEGORIES = (NEGATED, PSEUDO, HISTORICAL, CURRENT, HYPOTHETICAL, FAMILY, TERMINATE)
DIRECTIONS = ("forward", "backward", "both")
# TERMINATE ends these cues' scope; a resolution or a worsening said after "but" still counts.
_TERMINABLE = frozenset({NEGATED, HYPOTHETICAL, FAMILY})


@dataclass(frozen=True)
class Cue:
    cue: str
    category: str
    direction: str
    scope: int
    lang: str


@dataclass(frozen=True)
class Assertion:
    negated: bool = False
    historical: bool = False
    current: bool = False
    hypothetical: bool = False
    other_person: bool = False
    caregiver: bool = False

    @property
    def affirmed(self) -> bool:
        resolved = self.historical and not self.current
        return not (self.negated or resolved or self.hypothetical or self.other_person)

    def describe(self) -> str:
        parts = [
            name
            for name, on in (
                ("denied", self.negated),
                ("resolved or past", self.historical and not self.current),
                ("asked about as a possibility", self.hypothetical),
                ("about someone else", self.other_person),
                ("reported by a caregiver", self.caregiver),
            )
            if on
        ]
        return ", ".join(parts) or "reported"


@dataclass(frozen=True)
class Rules:
    cues: tuple[Cue, ...]
    matcher: Matcher
    writer_is_patient: Matcher
    reassurance: Matcher


@cache
def rules() -> Rules:
    data = load_yaml("context.yaml")
    cues = []
    for n, raw in enumerate(data["cues"]):
        cue = Cue(
            cue=str(raw["cue"]),
            category=raw["category"],
            direction=raw.get("direction", "both"),
            scope=int(raw.get("scope", 0)),
            lang=raw["lang"],
        )
        if cue.category not in CATEGORIES or cue.direction not in DIRECTIONS:
            raise ValueError(f"context.yaml cue {n}: bad category or direction: {raw!r}")
        cues.append(cue)
    matcher = Matcher([(str(n), c.cue) for n, c in enumerate(cues)], frozenset())
    patient = Matcher(
        [("writer", t) for lang in ("en", "es") for t in data["writer_is_patient"][lang]],
        frozenset(),
    )
    calm = Matcher(
        [("calm", t) for lang in ("en", "es") for t in data["reassurance"][lang]], frozenset()
    )
    return Rules(tuple(cues), matcher, patient, calm)


def reassured_or_about_someone_else(doc: Doc) -> bool:
    """The text reassures, or names someone else: an unclassified complaint needs no screen."""
    ctx = rules()
    if ctx.reassurance.find(doc):
        return True
    return any(ctx.cues[int(h.key)].category == FAMILY for h in ctx.matcher.find(doc))


def _boundary_between(doc: Doc, a: int, b: int, skip_last: bool = False) -> bool:
    """A sentence boundary among tokens ``a..b-1`` (a "?" or ":" right before a backward cue is not
    one: "chest pain? nope")."""
    for i in range(a, b):
        if doc.tokens[i].text in BOUNDARIES:
            if skip_last and i == b - 1 and doc.tokens[i].text == "?":
                continue
            return True
    return False


def _words_between(doc: Doc, a: int, b: int) -> int:
    return sum(1 for i in range(a, b) if doc.tokens[i].is_word)


def assert_targets(doc: Doc, targets: list[Hit]) -> list[Assertion]:
    """One assertion per target, in order."""
    ctx = rules()
    occupied = set()
    for t in targets:
        occupied.update(range(t.first, t.last + 1))
    hits = [h for h in ctx.matcher.find(doc)]
    pseudo = [h for h in hits if ctx.cues[int(h.key)].category == PSEUDO]
    live: list[tuple[Cue, Hit]] = []
    for h in hits:
        cue = ctx.cues[int(h.key)]
        if cue.category == PSEUDO:
            continue
        if cue.category != TERMINATE and all(i in occupied for i in range(h.first, h.last + 1)):
            continue  # "no puedo respirar": the cue words are part of the symptom
        if any(_cancels(ctx.cues[int(p.key)], p, cue, h) for p in pseudo):
            continue
        live.append((cue, h))
    terminators = [h for cue, h in live if cue.category == TERMINATE]
    writer_is_patient = bool(ctx.writer_is_patient.find(doc))
    out = []
    for t in targets:
        found: dict[str, bool] = {}
        for cue, h in live:
            if cue.category == TERMINATE:
                continue
            if not _in_scope(doc, cue, h, t, terminators):
                continue
            found[cue.category] = True
        family = found.get(FAMILY, False)
        out.append(
            Assertion(
                negated=found.get(NEGATED, False),
                historical=found.get(HISTORICAL, False),
                current=found.get(CURRENT, False),
                hypothetical=found.get(HYPOTHETICAL, False),
                other_person=family and writer_is_patient,
                caregiver=family and not writer_is_patient,
            )
        )
    return out


def _cancels(pcue: Cue, p: Hit, cue: Cue, h: Hit) -> bool:
    inside = p.first <= h.first and h.last <= p.last
    return inside and (pcue.direction == "both" or pcue.direction == cue.direction)


def _in_scope(doc: Doc, cue: Cue, h: Hit, t: Hit, terminators: list[Hit]) -> bool:
    # A cue may overlap its target ("if my legs get weak": the cue "if ... get" wraps "legs").
    forward = h.first < t.first and cue.direction in ("forward", "both")
    backward = h.last > t.last and h.first > t.first and cue.direction in ("backward", "both")
    if forward:
        a, b = min(h.last + 1, t.first), t.first
    elif backward:
        a, b = t.last + 1, max(h.first, t.last + 1)
    else:
        return False
    if _words_between(doc, a, b) > cue.scope or _boundary_between(doc, a, b, skip_last=backward):
        return False
    return not (
        cue.category in _TERMINABLE and any(a <= x.first and x.last < b for x in terminators)
    )
