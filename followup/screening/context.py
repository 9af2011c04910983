"""The assertion layer: ConText (Harkema et al., J Biomed Inform 2009) with its rules as data.

Each symptom mention (a *target*) is asserted from the cues around it (``data/context.yaml``):
a cue modifies the targets inside its scope (a number of words forward, backward or both) up to
the end of the sentence or a terminating word ("but", "pero"). PSEUDO cues cancel the cues they
overlap ("no pain has ever been this bad" is a worst-ever pain, not a denial), and cue words that
are part of a target ("no puedo respirar", "can't breathe") are the symptom, never a denial.
"""

from __future__ import annotations

import bisect
import datetime
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
# Who a clause is about. A FAMILY cue names someone; a first-person word after it hands the
# clause back to the writer ("my wife says I have a fever"); a third-person pronoun carries the
# named person on, across sentences too ("My son has strep. He has a fever.").
_FIRST_PERSON = frozenset(
    {"i", "im", "ive", "id", "ill", "me", "my", "mine", "myself"}
    | {"yo", "mi", "mis", "tengo", "estoy", "siento", "puedo", "ando", "soy"}
)
# "me" next to a verb of telling is only the listener: "my friend told me her legs went weak" is
# the friend's ("me dijo que le dio fiebre" too); "se me doblan las piernas" is the writer's.
_TOLD = frozenset(
    {"told", "tells", "asked", "asks", "texted", "called", "showed", "said", "warned"}
    | {"dijo", "dice", "conto", "cuenta", "pregunto", "escribio", "llamo"}
)
_THIRD_PERSON = frozenset(
    {"he", "she", "his", "her", "him", "hes", "shes", "hers", "himself", "herself"}
    | {"ella", "su", "sus", "le"}  # not "el": it is also the article
)
# Experiencer and hypothesis belong to the whole clause: "if I get a fever or my legs get weak"
# asks about both, "my wife has the flu with a fever and chills" is all hers.
_THROUGH = frozenset({HYPOTHETICAL, FAMILY})


@dataclass(frozen=True)
class Cue:
    cue: str
    category: str
    direction: str
    scope: int
    lang: str
    # The cue reaches past other symptoms, not only along a list ("none of that has happened").
    through: bool = False
    # A backward cue that only counts when it ends its clause ("fever: no", not "no lo puedo").
    final: bool = False
    # A FAMILY cue naming someone who is not the patient's caregiver ("my buddy from work").
    other: bool = False


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
    undone: Matcher  # keys "negatable", "negation", "contrast", "worse"
    asking_ahead: Matcher
    conditionals: frozenset[str]
    past_year_words: frozenset[str]


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
            through=bool(raw.get("through", raw["category"] in _THROUGH)),
            final=bool(raw.get("final", False)),
            other=bool(raw.get("other", False)),
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
    ahead = Matcher(
        [("ahead", t) for lang in ("en", "es") for t in data["asking_ahead"][lang]], frozenset()
    )
    parts = data["reassurance_undone"]
    undone = Matcher(
        [
            (key, str(t))
            for key, section in (
                ("negatable", "negatable"),
                ("negation", "negations"),
                ("contrast", "contrasts"),
                ("worse", "worsening"),
            )
            for lang in ("en", "es")
            for t in parts[section][lang]
        ],
        frozenset(),
    )
    conditionals = frozenset(w for lang in ("en", "es") for w in data["conditionals"][lang])
    years = frozenset(w for lang in ("en", "es") for w in data["past_year_words"][lang])
    return Rules(tuple(cues), matcher, patient, calm, undone, ahead, conditionals, years)


def reassured_or_about_someone_else(doc: Doc) -> bool:
    """The text reassures, is about someone else or asks about a possibility ("what if", "the
    consent form said"): an unclassified complaint needs no screen. A caregiver speaking for the
    patient ("my dad's leg feels odd") still gets it. Call after :func:`assert_targets`."""
    ctx = rules()
    calm = [h for h in ctx.reassurance.find(doc) if not _undone(doc, h)]
    if calm or ctx.asking_ahead.find(doc) or doc.cache.get("set_aside"):
        return True
    writer_is_patient = bool(ctx.writer_is_patient.find(doc))
    for h in _cue_hits(doc):
        cue = ctx.cues[int(h.key)]
        if cue.category == HYPOTHETICAL or (
            cue.category == FAMILY and (cue.other or writer_is_patient)
        ):
            return True
    return False


NEGATION_REACH = 3  # words before a reassurance that can negate it ("no me siento bien")
TURN_REACH = 15  # words after it where a contrast then a worsening can undo it


def _undone(doc: Doc, calm: Hit) -> bool:
    """Whether a reassurance is negated or turned over (data: ``reassurance_undone``)."""
    if "undone" not in doc.cache:
        doc.cache["undone"] = rules().undone.find(doc)
    hits = doc.cache["undone"]
    tokens = doc.tokens
    if any(h.key == "negatable" and h.first == calm.first for h in hits):
        start = calm.first
        for i in range(calm.first - 1, max(-1, calm.first - 1 - NEGATION_REACH), -1):
            if not tokens[i].is_word:
                break  # the clause ends: "no, estoy bien" is an answer and a reassurance
            start = i
        if any(h.key == "negation" and start <= h.first < calm.first for h in hits):
            return True
    end = calm.last
    for i in range(calm.last + 1, min(len(tokens), calm.last + 1 + TURN_REACH)):
        if tokens[i].text in BOUNDARIES:
            break
        end = i
    contrast = [h.first for h in hits if h.key == "contrast" and calm.last < h.first <= end]
    return bool(contrast) and any(h.key == "worse" and min(contrast) < h.first <= end for h in hits)


def _cue_hits(doc: Doc) -> list[Hit]:
    if "cues" not in doc.cache:
        doc.cache["cues"] = rules().matcher.find(doc)
    return doc.cache["cues"]


def assert_targets(
    doc: Doc, targets: list[Hit], *, qualifiers: frozenset[str] = frozenset()
) -> list[Assertion]:
    """One assertion per target, in order. ``qualifiers``: concepts that only qualify a symptom
    (a posture, a sudden onset): they never stand between a cue and a symptom as a list would."""
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
    index = _Index(
        doc,
        [h for cue, h in live if cue.category == TERMINATE],
        [t for t in targets if t.key not in qualifiers],
    )
    live += _past_years(doc)
    modifiers = sorted(
        ((h.first, n, cue, h) for n, (cue, h) in enumerate(live) if cue.category != TERMINATE),
    )
    starts = [m[0] for m in modifiers]
    writer_is_patient = bool(ctx.writer_is_patient.find(doc))
    asking_ahead = bool(ctx.asking_ahead.find(doc))
    out = []
    for t in targets:
        found: set[str] = set()
        other = False
        # Scopes are at most a few dozen words: only cues near the target can reach it.
        lo = bisect.bisect_left(starts, t.first - _WINDOW)
        hi = bisect.bisect_right(starts, t.last + _WINDOW)
        for _first, _n, cue, h in modifiers[lo:hi]:
            if cue.category == FAMILY:
                if _about_them(index, cue, h, t):
                    found.add(FAMILY)
                    other = other or cue.other
            elif cue.category not in found and _in_scope(index, cue, h, t):
                found.add(cue.category)
        if asking_ahead and _after_a_conditional(index, ctx.conditionals, t):
            # "do I call if I have a fever? just asking ahead": the "if" is a future one.
            found.add(HYPOTHETICAL)
        family = FAMILY in found
        if HYPOTHETICAL in found or (family and (writer_is_patient or other)):
            doc.cache["set_aside"] = True
        out.append(
            Assertion(
                negated=NEGATED in found,
                historical=HISTORICAL in found,
                current=CURRENT in found,
                hypothetical=HYPOTHETICAL in found,
                other_person=family and (writer_is_patient or other),
                caregiver=family and not (writer_is_patient or other),
                # "was getting better but today it came back worse": back or worse beats better
                improved=IMPROVED in found and CURRENT not in found,
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

    def ends_clause(self, i: int) -> bool:
        """Whether token ``i`` is past the end of the text or punctuation."""
        tokens = self.doc.tokens
        return i >= len(tokens) or not tokens[i].is_word

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


_CONDITIONAL_SCOPE = 6  # words from "if" to the symptom: "if you have time ..., my legs" is far


def _after_a_conditional(index: _Index, conditionals: frozenset[str], t: Hit) -> bool:
    """Whether an "if"/"si" opens the target's clause, a few words before it."""
    tokens = index.doc.tokens
    for i in range(t.first - 1, -1, -1):
        if index.words_between(i, t.first) > _CONDITIONAL_SCOPE + 1:
            return False
        if tokens[i].text in BOUNDARIES or tokens[i].text == ",":
            return False
        if tokens[i].text in conditionals:
            return True
    return False


# A past year said with "in"/"since" ("a fever after my other surgery back in 2019") puts the
# symptoms around it in the past, like "last year". Read here because cues are words, not numbers.
_PAST_YEAR = Cue(cue="in <year>", category=HISTORICAL, direction="both", scope=8, lang="")


def _past_years(doc: Doc) -> list[tuple[Cue, Hit]]:
    before = rules().past_year_words
    this_year = datetime.date.today().year
    out = []
    for tok in doc.tokens[1:]:
        text = tok.text
        year = len(text) == 4 and text.isdigit() and 1950 <= int(text) < this_year
        if year and doc.tokens[tok.index - 1].text in before:
            out.append((_PAST_YEAR, Hit("year", text, tok.index - 1, tok.index, True)))
    return out


def _told(tokens: list, i: int) -> bool:
    """Whether "me" at ``i`` is the listener of a verb of telling ("told me", "me dijo")."""
    before = tokens[i - 1].text if i > 0 else ""
    after = tokens[i + 1].text if i + 1 < len(tokens) else ""
    return before in _TOLD or after in _TOLD


def _about_them(index: _Index, cue: Cue, h: Hit, t: Hit) -> bool:
    """Whether the person a FAMILY cue names is who the target is about: the cue, or a
    third-person pronoun that carries it on, lies within the cue's scope before the target, and
    no first-person word or terminator hands the words back to the writer in between."""
    if h.first >= t.first:
        return False  # experiencer cues name the person before their symptom
    tokens = index.doc.tokens
    anchor = h.last + 1
    for i in range(h.last + 1, t.first):
        text = tokens[i].text
        if text in _FIRST_PERSON and not (text == "me" and _told(tokens, i)):
            return False
        if text in _THIRD_PERSON:
            if index.words_between(anchor, i) > cue.scope:
                return False
            anchor = i + 1
    if index.words_between(anchor, t.first) > cue.scope:
        return False
    crossed = index.boundary_between(anchor, t.first, False)
    return not (crossed or index.terminated(h.last + 1, t.first))


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
    # "numb feet for years but now my legs are weak": a past said before "but" stays there; a
    # resolution said after it still reaches back ("I had a fever but it went away").
    terminable = cue.category in _TERMINABLE or (forward and cue.category == HISTORICAL)
    if terminable and index.terminated(a, b):
        return False
    if forward and cue.category == NEGATED and index.answer_then_comma(a, b, t):
        return False
    if backward and cue.final and not index.ends_clause(h.last + 1):
        return False
    return cue.through or _listed(index, a, b, t, forward)
