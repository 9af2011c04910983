"""The concept engine: lexicons find symptom mentions, ConText asserts them, tier rules decide.

Everything clinical is data under ``data/``: ``concepts.yaml`` (symptom classes and their lay
terms in English and Spanish), ``context.yaml`` (assertion cues), ``rules.yaml`` (which affirmed
concepts, with which procedure, days and patient facts, give which tier). Every concept and rule
carries its source (a seed-file prefix 000-004, or "general medical practice").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache

from . import readings
from .context import Assertion, assert_targets
from .lexicon import BOUNDARIES, Doc, Hit, Matcher, common_words, load_yaml, tokenise
from .results import EMERGENCY, RANK, ROUTINE, TIERS

FAMILY_OF = {"TUMOR_ABLATION": "VA", "BIOPSY": "VA"}
# The code of a finding that needs a human but no rule names: a concept limited to other
# procedures ("so sleepy" after an ESI), or a body complaint no rule classifies.
UNCLASSIFIED = "UNCLASSIFIED_SYMPTOM"


@dataclass(frozen=True)
class Concept:
    code: str
    label: str
    source: str
    body: bool
    crisis: bool
    procedures: tuple[str, ...]
    terms: dict[str, tuple[str, ...]]
    improvable: bool = False  # "better"/"fine" (IMPROVED cues) set it aside
    last_net: bool = False  # counts only in a sentence where no other concept is mentioned
    yields_to: tuple[str, ...] = ()  # set aside where a mention of these overlaps it
    # A word that only qualifies a symptom ("sitting", "suddenly"): it counts in compound rules
    # but is no symptom of its own, so it never stands between a cue and its symptom as a list
    # would ("se me durmio ... estar sentada, pero ya se me paso" is resolved).
    qualifier: bool = False
    # Not a body symptom, but affirmed it asks the safety screen all the same (first-person
    # despair: the screen's list has "thoughts of harming yourself").
    asks: bool = False


@dataclass(frozen=True)
class Rule:
    code: str
    tier: str
    all: tuple[str, ...]
    any: tuple[str, ...]
    facts: tuple[str, ...]
    procedures: tuple[str, ...]
    max_days: int | None
    crisis: bool
    source: str


@dataclass(frozen=True)
class Mention:
    concept: str
    evidence: str
    assertion: Assertion
    exact: bool
    first: int
    last: int
    term: str = ""  # the lexicon entry that matched


@dataclass(frozen=True)
class Outcome:
    code: str
    tier: str
    evidence: str
    crisis: bool
    reason: str


@dataclass(frozen=True)
class Knowledge:
    concepts: dict[str, Concept]
    rules: tuple[Rule, ...]
    matcher: Matcher
    facts: Matcher


@cache
def knowledge() -> Knowledge:
    raw = load_yaml("concepts.yaml")
    concepts = {}
    entries = []
    for code, c in raw.items():
        terms = {lang: tuple(str(t) for t in c.get(lang, ())) for lang in ("en", "es")}
        if not terms["en"] or not terms["es"] or not c.get("source"):
            raise ValueError(f"concepts.yaml {code}: needs en and es terms and a source")
        concepts[code] = Concept(
            code=code,
            label=c["label"],
            source=str(c["source"]),
            body=bool(c.get("body", False)),
            crisis=bool(c.get("crisis", False)),
            procedures=tuple(c.get("procedures", ())),
            terms=terms,
            improvable=bool(c.get("improvable", False)),
            last_net=bool(c.get("last_net", False)),
            yields_to=tuple(c.get("yields_to", ())),
            qualifier=bool(c.get("qualifier", False)),
            asks=bool(c.get("asks", False)),
        )
        entries += [(code, t) for lang in ("en", "es") for t in terms[lang]]
        entries += [("!" + code, str(t)) for t in c.get("not", ())]
    entries += composed_terms(set(concepts))
    data = load_yaml("rules.yaml")
    rules = []
    for r in data["rules"]:
        rule = Rule(
            code=r["code"],
            tier=r["tier"],
            all=tuple(r.get("all", ())),
            any=tuple(r.get("any", ())),
            facts=tuple(r.get("facts", ())),
            procedures=tuple(r.get("procedures", ())),
            max_days=r.get("max_days"),
            crisis=bool(r.get("crisis", False)),
            source=str(r["source"]),
        )
        unknown = [c for c in rule.all + rule.any if c not in concepts]
        unknown += [c for c in concepts.values() for y in c.yields_to if y not in concepts]
        if rule.tier not in TIERS or unknown or not (rule.all or rule.any):
            raise ValueError(f"rules.yaml {r!r}: bad tier or unknown concept(s) {unknown}")
        rules.append(rule)
    facts = Matcher(
        [(name, t) for name, f in data["facts"].items() for lang in ("en", "es") for t in f[lang]],
        frozenset(),
    )
    matcher = Matcher(entries, common_words())
    return Knowledge(concepts, tuple(rules), matcher, facts)


def composed_terms(known: set[str]) -> list[tuple[str, str]]:
    """(concept, term) for every pair of ``data/compose.yaml``'s grids: any word of ``first``,
    up to three words, any word of ``then`` (and the reverse where ``either_order``)."""
    out: list[tuple[str, str]] = []
    for code, grids in (load_yaml("compose.yaml") or {}).items():
        if code not in known:
            raise ValueError(f"compose.yaml: unknown concept {code}")
        for grid in grids:
            if not grid.get("source"):
                raise ValueError(f"compose.yaml {code}: every grid needs a source")
            for lang in ("en", "es"):
                firsts, thens = grid["first"][lang], grid["then"][lang]
                for a in firsts:
                    for b in thens:
                        out.append((code, f"{a} ... {b}"))
                        if grid.get("either_order"):
                            out.append((code, f"{b} ... {a}"))
    return out


def read(text: str) -> tuple[Doc, list[Mention], set[str]]:
    """Mentions of every concept with their assertion, and the patient facts said."""
    k = knowledge()
    doc = tokenise(text, k.matcher)
    found = k.matcher.find(doc) + readings.temperature_hits(doc, load_fever_line())
    found += readings.sugar_hits(doc)
    excluded = [h for h in found if h.key.startswith("!")]
    hits = _longest(
        [
            h
            for h in found
            if not h.key.startswith("!")
            and not any(
                x.key[1:] == h.key and x.first <= h.last and h.first <= x.last for x in excluded
            )
        ]
    )
    hits = _last_net(doc, hits)
    qualifiers = frozenset(c.code for c in k.concepts.values() if c.qualifier)
    assertions = assert_targets(doc, hits, qualifiers=qualifiers)
    mentions = [
        Mention(h.key, doc.evidence(h.first, h.last), a, h.exact, h.first, h.last, h.term)
        for h, a in zip(hits, assertions, strict=True)
    ]
    facts = {h.key for h in k.facts.find(doc)}
    if _readings_all_below_the_fever_line(doc):
        # A thermometer beats a feeling: "feels like a fever but it says 99.0" is no fever, but
        # the patient felt feverish: a ROUTINE low-grade note for a human.
        mentions = [
            dataclasses.replace(m, concept=LOW_GRADE) if m.concept == "FEVER" else m
            for m in mentions
        ]
    return doc, mentions, facts


LOW_GRADE = "LOW_GRADE_TEMP"


def _last_net(doc: Doc, hits: list[Hit]) -> list[Hit]:
    """Drop a last-net hit (a body part named: "my bladder feels full and tight") when its
    sentence mentions any other concept, denied or not ("my leg is not numb"). Before the
    assertion layer, so that a dropped one never stands between a cue and its symptom."""
    k = knowledge()
    nets = [h for h in hits if k.concepts[h.key].last_net]
    if not nets:
        return hits
    sentence = _sentences(doc)
    others = {sentence[h.first] for h in hits if not k.concepts[h.key].last_net}
    return [h for h in hits if h not in nets or sentence[h.first] not in others]


def _sentences(doc: Doc) -> list[int]:
    out, n = [], 0
    for tok in doc.tokens:
        out.append(n)
        n += tok.text in BOUNDARIES
    return out


def _readings_all_below_the_fever_line(doc: Doc) -> bool:
    line = load_fever_line()
    readings = []
    for tok in doc.tokens:
        if not tok.text[0].isdigit():
            continue  # only a number can be a reading (and float() is slow to fail)
        try:
            value = float(tok.text.replace(",", "."))
        except ValueError:
            continue
        if 34.0 <= value < 43.0:
            readings.append(value >= line["celsius"])
        elif 93.0 <= value < 110.0 and ("." in tok.text or "," in tok.text or value >= 95):
            readings.append(value >= line["fahrenheit"])
    return bool(readings) and not any(readings)


@cache
def load_fever_line() -> dict[str, float]:
    return {k: float(v) for k, v in load_yaml("rules.yaml")["fever_line"].items()}


def _longest(hits: list[Hit]) -> list[Hit]:
    """Of hits of one concept that overlap, keep the longest (one mention, one evidence)."""
    hits = sorted(hits, key=lambda h: (h.first, -(h.last - h.first)))
    kept: list[Hit] = []
    reach: dict[str, int] = {}  # per concept, the last token covered by a kept hit
    for h in hits:
        if reach.get(h.key, -1) >= h.last:
            continue  # sorted by start: a kept hit of this concept already covers it
        kept.append(h)
        reach[h.key] = max(reach.get(h.key, -1), h.last)
    return kept


def _for(procedure: str | None, procedures: tuple[str, ...]) -> bool:
    """Whether something limited to ``procedures`` counts (no procedure given: it does)."""
    return procedure is None or procedure in procedures or FAMILY_OF.get(procedure) in procedures


def _applies(rule: Rule, procedure: str | None, days: int | None) -> bool:
    if rule.procedures and not _for(procedure, rule.procedures):
        return False
    return not (rule.max_days is not None and days is not None and days > rule.max_days)


def decide(
    mentions: list[Mention], facts: set[str], procedure: str | None, days: int | None
) -> list[Outcome]:
    """Outcomes of the rules that fire, highest tier first, one per code."""
    k = knowledge()
    affirmed: dict[str, Mention] = {}
    elsewhere: list[Mention] = []  # affirmed, but a concept of other procedures
    for m in mentions:
        concept = k.concepts[m.concept]
        # Self-harm is never read as denied or past ("ya no aguanto", "I don't want to live"):
        # only a hypothetical or someone else's mention is set aside.
        crisis_kept = concept.crisis and not (m.assertion.hypothetical or m.assertion.other_person)
        if not (m.assertion.affirmed or crisis_kept):
            continue
        if concept.improvable and m.assertion.improved:
            continue  # "pain is much better", "my incision looks good"
        if _yields(m, concept, mentions, procedure):
            continue
        if concept.procedures and procedure is not None and not _for(procedure, concept.procedures):
            elsewhere.append(m)
            continue
        if m.concept not in affirmed:
            affirmed[m.concept] = m
    outcomes: dict[str, Outcome] = {}
    for rule in k.rules:
        if not _applies(rule, procedure, days):
            continue
        if rule.all and not all(c in affirmed for c in rule.all):
            continue
        if rule.any and not any(c in affirmed for c in rule.any):
            continue
        if any(f not in facts for f in rule.facts):
            continue
        used = [affirmed[c] for c in rule.all + rule.any if c in affirmed]
        first = min(used, key=lambda m: m.first)
        labels = " + ".join(k.concepts[m.concept].label for m in used)
        how = {m.assertion.describe() for m in used}
        reason = f"{labels} ({', '.join(sorted(how))}) -> {rule.tier} [source: {rule.source}]"
        outcome = Outcome(rule.code, rule.tier, first.evidence, rule.crisis, reason)
        best = outcomes.get(rule.code)
        if best is None or RANK[outcome.tier] > RANK[best.tier]:
            outcomes[rule.code] = outcome
    plain = outcomes.get(UNCLASSIFIED)
    if plain is not None and plain.tier == ROUTINE and len(outcomes) > 1:
        # A named finding already sends the text to a human: a plain "pain" or body part in the
        # same text must not become a second flag ("my neck is stiff and im confused").
        del outcomes[UNCLASSIFIED]
    if elsewhere and not outcomes:
        # A red flag of another procedure ("so sleepy" after an ESI) still needs a human.
        m = elsewhere[0]
        label = k.concepts[m.concept].label
        reason = f"{label} (not a red flag after {procedure}) -> {ROUTINE} [needs a human]"
        outcomes[UNCLASSIFIED] = Outcome(UNCLASSIFIED, ROUTINE, m.evidence, False, reason)
    return sorted(outcomes.values(), key=lambda o: -RANK[o.tier])


def counts(m: Mention) -> bool:
    """Whether a mention is the patient's symptom now: affirmed, and not a plain complaint said
    to be better or fine (IMPROVED)."""
    return m.assertion.affirmed and not (
        knowledge().concepts[m.concept].improvable and m.assertion.improved
    )


def _yields(m: Mention, concept: Concept, mentions: list[Mention], procedure: str | None) -> bool:
    """Whether an affirmed mention of a concept this one yields to, for this procedure, covers
    the same words ("the tingling moved" is stimulator coverage, not new numbness, with an SCS).
    With no procedure known, nothing yields: the safe default."""
    if not concept.yields_to or procedure is None:
        return False
    k = knowledge()
    return any(
        o.concept in concept.yields_to
        and o.assertion.affirmed
        and _for(procedure, k.concepts[o.concept].procedures or (procedure,))
        and o.first <= m.last
        and m.first <= o.last
        for o in mentions
    )


def emergency_concepts(procedure: str | None) -> list[str]:
    """Concepts that alone give EMERGENCY for this procedure, in rule order."""
    seen: list[str] = []
    for rule in knowledge().rules:
        if (
            rule.tier == EMERGENCY
            and rule.any
            and not rule.facts
            and _applies(rule, procedure, None)
        ):
            for c in rule.any:
                if c not in seen:
                    seen.append(c)
    return seen
