"""Every entry of the screening engine's data files is exercised in the direction that matters
(issue 21): each term of each concept, in a carrier sentence, is found and reaches its rule's tier;
each assertion cue does what its category says. Deleting any entry makes a test here fail.

Pure Python (``pytest -p no:django --noconftest tests/followup/test_screening_lexicons.py``).
"""

from __future__ import annotations

import pytest

from followup.screening import CODES, EMERGENCY, engine, screen_text
from followup.screening import context as ctx
from followup.screening.lexicon import GAP, load_yaml

RANK = engine.RANK
CONCEPTS = engine.knowledge().concepts
CARRIER = {"en": "hi, since this morning {}", "es": "hola, desde esta manana {}"}


def _single_rule_tier(code: str) -> tuple[str | None, str | None]:
    """The highest tier a concept reaches alone, and a procedure where it does."""
    best, where = None, None
    for rule in engine.knowledge().rules:
        if code in rule.any and not rule.facts and RANK[rule.tier] > RANK[best]:
            best = rule.tier
            where = rule.procedures[0] if rule.procedures else None
    return best, where


def _fill(term: str) -> str:
    return " ".join(w for w in term.split() if w != GAP)


TERM_CASES = [
    pytest.param(code, lang, term, id=f"{code}-{lang}-{term}")
    for code, concept in CONCEPTS.items()
    for lang in ("en", "es")
    for term in concept.terms[lang]
]


@pytest.mark.parametrize(("code", "lang", "term"), TERM_CASES)
def test_it_finds_each_lexicon_term_and_gives_its_tier(code, lang, term):
    text = CARRIER[lang].format(_fill(term))
    doc, mentions, _facts = engine.read(text)
    raw = engine.knowledge().matcher.find(doc)
    assert any(h.key == code and h.term == term for h in raw), (code, term)
    assert any(
        m.concept == code and (m.assertion.affirmed or CONCEPTS[code].crisis) for m in mentions
    )
    tier, procedure = _single_rule_tier(code)
    if tier is not None:
        result = screen_text(text, procedure=procedure, language=lang)
        assert RANK[result.tier] >= RANK[tier], (text, result)
        if tier == EMERGENCY and CONCEPTS[code].crisis:
            assert any(m.crisis_line for m in result.matches)


@pytest.mark.parametrize(
    ("code", "term"),
    [(code, t) for code, c in load_yaml("concepts.yaml").items() for t in c.get("not", ())],
)
def test_it_drops_each_excluded_phrase(code, term):
    _doc, mentions, _ = engine.read(f"well {term} the thing")
    assert code not in {m.concept for m in mentions}, term


# ---------------------------------------------------------------------------------------------
# Assertion cues: each one, in the direction it works.

CUES = ctx.rules().cues


def _flag(assertion: ctx.Assertion, category: str) -> bool:
    return {
        ctx.NEGATED: assertion.negated,
        ctx.HISTORICAL: assertion.historical,
        ctx.CURRENT: assertion.current,
        ctx.HYPOTHETICAL: assertion.hypothetical,
        ctx.FAMILY: assertion.caregiver or assertion.other_person,
        ctx.IMPROVED: assertion.improved,
    }[category]


def _target(lang: str) -> str:
    return "fever" if lang == "en" else "fiebre"


@pytest.mark.parametrize(
    "cue",
    [c for c in CUES if c.category not in (ctx.PSEUDO, ctx.TERMINATE)],
    ids=lambda c: f"{c.category}-{c.direction}-{c.cue}",
)
def test_each_cue_modifies_a_symptom_in_its_direction(cue):
    words = cue.cue.replace(GAP, "my").replace(" ,", ",")
    if cue.direction == "backward":
        text = f"{_target(cue.lang)} {words}"
    else:
        text = f"{words} {_target(cue.lang)}"
    _doc, mentions, _ = engine.read(text)
    fever = [m for m in mentions if m.concept == "FEVER"]
    assert fever and _flag(fever[0].assertion, cue.category), (text, fever)


@pytest.mark.parametrize(
    "cue",
    [c for c in CUES if c.category == ctx.NEGATED],
    ids=lambda c: f"{c.direction}-{c.cue}",
)
def test_each_negation_cue_keeps_a_red_flag_away_only_when_it_denies_it(cue):
    symptom = "chest pain" if cue.lang == "en" else "dolor de pecho"
    text = f"{symptom} {cue.cue}" if cue.direction == "backward" else f"{cue.cue} {symptom}"
    assert screen_text(text).tier != EMERGENCY, text


@pytest.mark.parametrize(
    "cue", [c for c in CUES if c.category == ctx.TERMINATE], ids=lambda c: c.cue
)
def test_each_terminator_ends_a_denial(cue):
    words = cue.cue.replace(" ,", ",")
    text = f"no rash {words} fever" if not words.startswith(",") else f"no rash{words} fever"
    _doc, mentions, _ = engine.read(text)
    fever = [m for m in mentions if m.concept == "FEVER"]
    assert fever and not fever[0].assertion.negated, text


# Each PSEUDO cue with a sentence it rescues from a false denial (or keeps from being a cue).
PSEUDO_EXAMPLES = {
    "no ... has ever been": (
        "no headache has ever been this bad, worst headache",
        "HEADACHE_SEVERE",
    ),
    "no ... ever been this": ("no chest pain ever been this bad, chest hurts", "CHEST_PAIN"),
    "not only": ("not only sore but chest pain", "CHEST_PAIN"),
    "never had ... this bad": ("never had a headache this bad", "HEADACHE_SEVERE"),
    "never ... this bad": ("never felt chest pain this bad", "CHEST_PAIN"),
    "never ... like this": ("never had chest pain like this", "CHEST_PAIN"),
    "nunca ... asi": ("nunca tuve fiebre asi", "FEVER"),
    "nunca ... tan fuerte": ("nunca tuve fiebre tan fuerte", "FEVER"),
    "wont go away": ("chest pain that wont go away", "CHEST_PAIN"),
    "doesnt go away": ("chest pain that doesnt go away", "CHEST_PAIN"),
    "not going away": ("chest pain not going away", "CHEST_PAIN"),
    "wont stop": ("the pump alarm wont stop", "PUMP_ALARM"),
    "doesnt stop": ("the pump alarm doesnt stop", "PUMP_ALARM"),
    "no se me quita": ("no se me quita la fiebre", "FEVER"),
    "no se quita": ("no se quita la fiebre", "FEVER"),
    "no deja de": ("no deja de sonar la alarma de la bomba", "PUMP_ALARM"),
    "no para de": ("no para de sonar la alarma de la bomba", "PUMP_ALARM"),
    "ya no aguanto": ("ya no aguanto, pienso en matarme", "SELF_HARM"),
    "no better": ("no better, chest pain", "CHEST_PAIN"),
    "not better": ("not better, still chest pain", "CHEST_PAIN"),
    "than before the procedure": ("back pain way worse than before the procedure", "PAIN_WORSE"),
    "than before the injection": ("my pain is worse than before the injection", "PAIN_WORSE"),
    "not sure": ("not sure why but fever", "FEVER"),
    "no ,": ("no, fever since last night", "FEVER"),
    "not ok": ("not ok fever since last night", "FEVER"),
    "no idea": ("I have no idea why my legs are weak", "WEAKNESS"),
    "ningun ... ha sido tan": ("ningun dolor de cabeza ha sido tan fuerte", "HEADACHE_SEVERE"),
    "no se si": ("no se si tengo fiebre", "FEVER"),
    "no se por que": ("no se por que tengo fiebre", "FEVER"),
    "no estoy bien": ("no estoy bien tengo fiebre", "FEVER"),
    "no me puedo": ("no me puedo concentrar por la fiebre", "FEVER"),
    "no puedo": ("no puedo dormir por la fiebre", "FEVER"),
    "no puede": ("no puede dormir por la fiebre", "FEVER"),
    # Spanish (branch screen-es): comparisons, persistence and clitics after a symptom.
    "no solo": ("no solo tengo fiebre", "FEVER"),
    "no solamente": ("no solamente tengo fiebre", "FEVER"),
    "no nada mas": ("no nada mas tengo fiebre", "FEVER"),
    "sin embargo": ("sin embargo tengo fiebre", "FEVER"),
    "no es normal": ("no es normal esta fiebre", "FEVER"),
    "no se que": ("no se que hacer con esta fiebre", "FEVER"),
    "no me siento bien": ("no me siento bien tengo fiebre", "FEVER"),
    "no aguanto": ("no aguanto el dolor de pecho", "CHEST_PAIN"),
    "no baja": ("la fiebre no baja", "FEVER"),
    "no ha bajado": ("la fiebre no ha bajado", "FEVER"),
    "no mejora": ("la fiebre no mejora", "FEVER"),
    "no ha mejorado": ("el dolor de pecho no ha mejorado", "CHEST_PAIN"),
    "no cede": ("la fiebre no cede", "FEVER"),
    "no desaparece": ("el dolor de pecho no desaparece", "CHEST_PAIN"),
    "no me": ("tengo fiebre no me siento nada bien", "FEVER"),
    "no se": ("tengo fiebre no se donde esta mi receta", "FEVER"),
    "no le": ("mi esposo tiene fiebre no le baja", "FEVER"),
    "no lo": ("tengo fiebre no lo puedo creer", "FEVER"),
    "no la": ("la fiebre no la controlo", "FEVER"),
    "no tengo": ("tengo fiebre no tengo hambre", "FEVER"),
    "no sirve": ("tengo fiebre no sirve el paracetamol", "FEVER"),
    "acostada no": ("me duele la cabeza cuando me siento, acostada no", "HEADACHE_POSITIONAL"),
    "acostado no": ("me duele la cabeza cuando me paro, acostado no", "HEADACHE_POSITIONAL"),
    "nunca tuve un": ("nunca tuve un dolor de pecho que me apretara tanto", "CHEST_PAIN"),
    "nunca tuve una": ("nunca tuve una fiebre que me hiciera temblar tanto", "FEVER"),
}


# "no <verb or pronoun>" after a Spanish symptom goes on, it does not deny ("confundido, no sabe").
_ES_NO_THEN = [
    "les",
    "los",
    "las",
    "te",
    "nos",
    "sabe",
    "sabia",
    "quiero",
    "es",
    "esta",
    "estoy",
    "estaba",
    "era",
    "han",
    "hace",
    "hago",
    "para",
    "deja",
    "ayuda",
    "aguanta",
    "duerme",
    "como",
    "come",
    "camina",
    "siento",
    "siente",
    "responde",
    "habla",
    "entiendo",
    "entiende",
    "recuerda",
    "reconoce",
    "veo",
    "ve",
    "oigo",
    "respiro",
    "orina",
    "funciona",
    "contesta",
    "quita",
    "va",
    "vuelve",
    "pasa",
]
PSEUDO_EXAMPLES.update({f"no {w}": (f"tengo fiebre no {w} hoy", "FEVER") for w in _ES_NO_THEN})


def test_every_pseudo_cue_has_an_example():
    cues = {c.cue for c in CUES if c.category == ctx.PSEUDO}
    assert cues == set(PSEUDO_EXAMPLES)


@pytest.mark.parametrize(("cue", "example"), PSEUDO_EXAMPLES.items())
def test_each_pseudo_cue_keeps_the_symptom(cue, example):
    text, code = example
    _doc, mentions, _ = engine.read(text)
    assert any(m.concept == code and m.assertion.affirmed for m in mentions), (cue, text)


@pytest.mark.parametrize(
    "phrase",
    [p for lang in ("en", "es") for p in load_yaml("context.yaml")["writer_is_patient"][lang]],
)
def test_each_writer_is_patient_phrase_makes_a_relative_symptom_theirs(phrase):
    _doc, mentions, _ = engine.read(f"my son has a fever, {phrase}")
    fever = [m for m in mentions if m.concept == "FEVER"]
    assert fever and fever[0].assertion.other_person
    _doc, mentions, _ = engine.read("my son has a fever")
    assert [m.assertion.caregiver for m in mentions if m.concept == "FEVER"] == [True]


@pytest.mark.parametrize(
    "word", [p for lang in ("en", "es") for p in load_yaml("context.yaml")["reassurance"][lang]]
)
def test_each_reassurance_spares_the_safety_screen(word):
    assert not screen_text(f"my knee feels odd, {word}").needs_safety_screen
    assert screen_text("my knee feels odd").needs_safety_screen


@pytest.mark.parametrize(
    ("fact", "term"),
    [
        (f, t)
        for f, v in load_yaml("rules.yaml")["facts"].items()
        for lang in ("en", "es")
        for t in v[lang]
    ],
)
def test_each_patient_fact_is_read(fact, term):
    _doc, _m, facts = engine.read(f"I take {term} every day")
    assert fact in facts


def test_anticoagulants_turn_sudden_back_pain_into_an_emergency():
    assert (
        screen_text("sudden terrible back pain, I take eliquis", procedure="ESI").tier == EMERGENCY
    )
    assert screen_text("sudden terrible back pain", procedure="ESI").tier == "URGENT"


# ---------------------------------------------------------------------------------------------
# The data files themselves.


def test_every_concept_has_both_languages_and_a_source():
    for code, concept in CONCEPTS.items():
        assert concept.terms["en"] and concept.terms["es"] and concept.source, code


def test_every_rule_has_a_source_and_a_documented_code():
    for rule in engine.knowledge().rules:
        assert rule.source and rule.code in CODES, rule


def test_every_concept_is_used_by_a_rule():
    used = {c for r in engine.knowledge().rules for c in r.all + r.any}
    assert used == set(CONCEPTS)


# ---------------------------------------------------------------------------------------------
# The reviewed vocabulary (tests/data/screening_vocabulary.csv): the tests above are generated
# from the data files, so deleting an entry would delete its test too. This list pins every entry:
# removing a term, cue or fact from the data files fails here until its row is removed as well,
# in the same reviewed change.


def _current_vocabulary() -> set[tuple[str, str, str, str]]:
    out = set()
    raw = load_yaml("concepts.yaml")
    for code, concept in CONCEPTS.items():
        for lang in ("en", "es"):
            out |= {("term", code, lang, t) for t in concept.terms[lang]}
        out |= {("not", code, "", t) for t in raw[code].get("not", ())}
    out |= {("cue", f"{c.category}:{c.direction}", c.lang, c.cue) for c in CUES}
    data = load_yaml("context.yaml")
    for lang in ("en", "es"):
        out |= {("writer_is_patient", "", lang, t) for t in data["writer_is_patient"][lang]}
        out |= {("reassurance", "", lang, t) for t in data["reassurance"][lang]}
    for fact, terms in load_yaml("rules.yaml")["facts"].items():
        for lang in ("en", "es"):
            out |= {("fact", fact, lang, t) for t in terms[lang]}
    for section, words in data["reassurance_undone"].items():
        for lang in ("en", "es"):
            out |= {(f"reassurance_undone:{section}", "", lang, t) for t in words[lang]}
    for code, grids in load_yaml("compose.yaml").items():
        for n, grid in enumerate(grids):
            for part in ("first", "then"):
                for lang in ("en", "es"):
                    out |= {(f"compose_{part}", f"{code}#{n}", lang, t) for t in grid[part][lang]}
    return out


def test_no_vocabulary_entry_disappears_unreviewed():
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "screening_vocabulary.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        pinned = {tuple(row.values()) for row in csv.DictReader(handle)}
    current = _current_vocabulary()
    missing = pinned - current
    assert not missing, f"entries removed from the data files: {sorted(missing)[:10]}"
    added = current - pinned
    assert not added, (
        f"entries to add to screening_vocabulary.csv (with a test): {sorted(added)[:10]}"
    )
