"""The assertion layer: ConText (Harkema et al., J Biomed Inform 2009) with its rules as data.

Each symptom mention (a *target*) is asserted from the cues around it (``data/context.yaml``):
a cue modifies the targets inside its scope (a number of words forward, backward or both) up to
the end of the sentence or a terminating word ("but", "pero"). PSEUDO cues cancel the cues they
overlap ("no pain has ever been this bad" is a worst-ever pain, not a denial), and cue words that
are part of a target ("no puedo respirar", "can't breathe") are the symptom, never a denial.
"""

from __future__ import annotations

import bisect
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
# Said to be better or fine ("pain is much better", "my incision looks good"): only concepts
# marked ``improvable`` in concepts.yaml give way to it; a red flag that improved still happened.
IMPROVED = "IMPROVED"
CATEGORIES = (NEGATED, PSEUDO, HISTORICAL, CURRENT, HYPOTHETICAL, FAMILY, TERMINATE, IMPROVED)
DIRECTIONS = ("forward", "backward", "both")
# TERMINATE ends these cues' scope; a resolution or a worsening said after "but" still counts.
_TERMINABLE = frozenset({NEGATED, HYPOTHETICAL, FAMILY, IMPROVED})
# A cue reaches past another symptom only along a list: "no fever or weakness" denies both, "no
# fever, legs weak" and "my legs are weak, the headache is gone" deny or resolve only one.
_FORWARD_LIST = frozenset({",", "or", "nor", "ni", "o", "u", "any"})
_OR = frozenset({"or", "nor", "ni", "o", "u"})
_BACKWARD_LIST = frozenset(
    {"and", "y", "e", "or", "o", "both", "ambos", "my", "mi", "the", "el", "la"}
)


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
    improved: bool = False

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
                ("said to be better or fine", self.improved),
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
    return any(ctx.cues[int(h.key)].category == FAMILY for h in _cue_hits(doc))


def _cue_hits(doc: Doc) -> list[Hit]:
    if "cues" not in doc.cache:
        doc.cache["cues"] = rules().matcher.find(doc)
    return doc.cache["cues"]


def assert_targets(doc: Doc, targets: list[Hit]) -> list[Assertion]:
    """One assertion per target, in order."""
    ctx = rules()
    occupied = set()
    for t in targets:
        occupied.update(range(t.first, t.last + 1))
    hits = _cue_hits(doc)
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
    index = _Index(doc, [h for cue, h in live if cue.category == TERMINATE], targets)
    modifiers = sorted(
        ((h.first, n, cue, h) for n, (cue, h) in enumerate(live) if cue.category != TERMINATE),
    )
    starts = [m[0] for m in modifiers]
    writer_is_patient = bool(ctx.writer_is_patient.find(doc))
    out = []
    for t in targets:
        found: set[str] = set()
        # Scopes are at most a few dozen words: only cues near the target can reach it.
        lo = bisect.bisect_left(starts, t.first - _WINDOW)
        hi = bisect.bisect_right(starts, t.last + _WINDOW)
        for _first, _n, cue, h in modifiers[lo:hi]:
            if cue.category not in found and _in_scope(index, cue, h, t):
                found.add(cue.category)
        family = FAMILY in found
        out.append(
            Assertion(
                negated=NEGATED in found,
                historical=HISTORICAL in found,
                current=CURRENT in found,
                hypothetical=HYPOTHETICAL in found,
                other_person=family and writer_is_patient,
                caregiver=family and not writer_is_patient,
                improved=IMPROVED in found,
            )
        )
    return out


_WINDOW = 40  # tokens; larger than any cue's scope in words plus its punctuation


class _Index:
    """Prefix counts so that each cue-target test is O(1) on long or repetitive texts."""

    def __init__(self, doc: Doc, terminators: list[Hit], targets: list[Hit]) -> None:
        self.doc = doc
        self.words = [0]
        self.bounds = [0]
        for tok in doc.tokens:
            self.words.append(self.words[-1] + tok.is_word)
            self.bounds.append(self.bounds[-1] + (tok.text in BOUNDARIES))
        self.term_starts = sorted(x.first for x in terminators)
        self.term_by_start = sorted((x.first, x.last) for x in terminators)
        self.spans = sorted({(t.first, t.last) for t in targets})
        self.span_starts = [f for f, _ in self.spans]

    def words_between(self, a: int, b: int) -> int:
        return self.words[b] - self.words[a] if b > a else 0

    def boundary_between(self, a: int, b: int, skip_last: bool) -> bool:
        """A sentence boundary among tokens ``a..b-1`` (a "?" right before a backward cue is
        not one: "chest pain? nope")."""
        if b <= a:
            return False
        count = self.bounds[b] - self.bounds[a]
        if skip_last and count == 1 and self.doc.tokens[b - 1].text == "?":
            return False
        return count > 0

    def terminated(self, a: int, b: int) -> bool:
        lo = bisect.bisect_left(self.term_starts, a)
        for first, last in self.term_by_start[lo:]:
            if first >= b:
                return False
            if last < b:
                return True
        return False

    def answer_then_comma(self, a: int, b: int, t: Hit) -> bool:
        """ "not really, chest pain": a denial followed by a comma before any symptom answers a
        question; it does not deny what follows ("no fever, chills or sweats" is a list)."""
        tokens = self.doc.tokens
        comma = next((i for i in range(a, b) if tokens[i].text == ","), None)
        return comma is not None and not self.spans_between(a, comma + 1, t)

    def spans_between(self, a: int, b: int, t: Hit) -> list[tuple[int, int]]:
        lo = bisect.bisect_left(self.span_starts, a)
        hi = bisect.bisect_left(self.span_starts, b)
        return [s for s in self.spans[lo:hi] if s[1] < b and s != (t.first, t.last)]


def _cancels(pcue: Cue, p: Hit, cue: Cue, h: Hit) -> bool:
    inside = p.first <= h.first and h.last <= p.last
    return inside and (pcue.direction == "both" or pcue.direction == cue.direction)


def _listed(index: _Index, a: int, b: int, t: Hit, forward: bool) -> bool:
    """Whether the target is joined to the cue by a list when other symptoms lie between."""
    between = index.spans_between(a, b, t)
    if not between:
        return True
    tokens = index.doc.tokens
    edge = between[-1][1] + 1 if forward else t.last + 1
    stop = t.first if forward else between[0][0]
    gaps = [tokens[i].text for i in range(edge, stop)]
    allowed = _FORWARD_LIST if forward else _BACKWARD_LIST
    if not all(g in allowed for g in gaps):
        return False
    if forward and not any(g in _OR for g in gaps):
        # "no fever, chills or sweats": a comma list counts when an "or" closes it.
        return any(tok.text in _OR for tok in tokens[t.last + 1 : t.last + 8])
    return True


def _in_scope(index: _Index, cue: Cue, h: Hit, t: Hit) -> bool:
    # A cue may overlap its target ("if my legs get weak": the cue "if ... get" wraps "legs").
    forward = h.first < t.first and cue.direction in ("forward", "both")
    backward = h.last > t.last and h.first > t.first and cue.direction in ("backward", "both")
    if forward:
        a, b = min(h.last + 1, t.first), t.first
    elif backward:
        a, b = t.last + 1, max(h.first, t.last + 1)
    else:
        return False
    if index.words_between(a, b) > cue.scope or index.boundary_between(a, b, backward):
        return False
    if cue.category in _TERMINABLE and index.terminated(a, b):
        return False
    if forward and cue.category == NEGATED and index.answer_then_comma(a, b, t):
        return False
    return _listed(index, a, b, t, forward)
