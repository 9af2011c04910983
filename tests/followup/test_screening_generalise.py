"""Generalisation round 2 (issue 21, tuning batch 5): compositional terms and the safety screen.

``data/compose.yaml`` says a concept by any word of one list next to any word of another; every
word of every grid is exercised here, and the sentences below are new (written for this file,
English and Spanish), including benign ones that must stay unraised and unscreened.

Pure Python (``pytest -p no:django --noconftest tests/followup/test_screening_generalise.py``).
"""

from __future__ import annotations

import pytest

from followup.screening import EMERGENCY, engine, screen_text
from followup.screening.lexicon import load_yaml

RANK = engine.RANK
GRIDS = load_yaml("compose.yaml")
CARRIER = {"en": "hi, since this morning {}", "es": "hola, desde esta manana {}"}


def _cases():
    for code, grids in GRIDS.items():
        for n, grid in enumerate(grids):
            for lang in ("en", "es"):
                firsts, thens = grid["first"][lang], grid["then"][lang]
                for a in firsts:
                    yield pytest.param(code, lang, a, thens[0], id=f"{code}#{n}-{lang}-first-{a}")
                for b in thens:
                    yield pytest.param(code, lang, firsts[0], b, id=f"{code}#{n}-{lang}-then-{b}")


@pytest.mark.parametrize(("code", "lang", "first", "then"), list(_cases()))
def test_each_grid_word_composes_its_concept(code, lang, first, then):
    text = CARRIER[lang].format(f"{first} {then}")
    doc, mentions, _ = engine.read(text)
    raw = engine.knowledge().matcher.find(doc)
    assert any(h.key == code and h.term == f"{first} ... {then}" for h in raw), text
    concept = engine.knowledge().concepts[code]
    assert any(m.concept == code and (m.assertion.affirmed or concept.crisis) for m in mentions), (
        text
    )


def test_a_grid_without_a_source_or_with_an_unknown_concept_is_refused(monkeypatch):
    from followup.screening import engine as eng

    monkeypatch.setattr(eng, "load_yaml", lambda name: {"NOPE": [{"source": "x"}]})
    with pytest.raises(ValueError, match="unknown concept"):
        eng.composed_terms({"WEAKNESS"})
    monkeypatch.setattr(eng, "load_yaml", lambda name: {"WEAKNESS": [{"first": {}, "then": {}}]})
    with pytest.raises(ValueError, match="source"):
        eng.composed_terms({"WEAKNESS"})


WEAKNESS_TEXTS = [
    ("en", "ESI", "both my legs went total rubber on the stairs, i had to sit on the steps"),
    ("en", "LYSIS", "my knees keep going like noodles when i try to walk to the kitchen"),
    ("en", "ESI", "honestly my legs feel like they are not mine since lunch"),
    ("en", "FACET_SI", "my wife says i couldnt get up off the toilet without her pulling me"),
    ("en", "ESI", "I'm unable to stand without holding the walls"),
    ("en", "SCS", "his left leg just doesnt work since the nap, it drags"),
    ("es", "ESI", "se me doblan las rodillas cuando camino al bano"),
    ("es", "LYSIS", "mi mama dice que no le responden las piernas, no se pudo parar del bano"),
    ("es", "ESI", "tengo las piernas como de trapo desde la inyeccion"),
    ("es", "DISC", "no me puedo poner de pie sin agarrarme de la mesa"),
    ("es", "ESI", "las piernas no me sostienen, ayer me fui al suelo"),
]


@pytest.mark.parametrize(("lang", "proc", "text"), WEAKNESS_TEXTS)
def test_lay_images_and_inability_to_stand_are_weakness(lang, proc, text):
    result = screen_text(text, language=lang, procedure=proc)
    assert result.tier == EMERGENCY, result
    assert any(m.code == "WEAKNESS" for m in result.matches), result


OTHER_EMERGENCY_TEXTS = [
    ("en", "SCS", "grandpa keeps asking what year it is and he is burning up", "CONFUSION"),
    ("en", "ESI", "my husband doesnt know who i am this morning", "CONFUSION"),
    ("es", "ESI", "mi papa no sabe que dia es hoy y tiene calentura", "CONFUSION"),
    ("en", "VA", "i have enough pills saved to never wake up", "SELF_HARM"),
    ("en", "ITDD", "the whole bottle and then it will all end it, i am so tired", "SELF_HARM"),
    ("es", "ESI", "tengo las pastillas listas para ya no despertar", "SELF_HARM"),
]


@pytest.mark.parametrize(("lang", "proc", "text", "code"), OTHER_EMERGENCY_TEXTS)
def test_orientation_and_means_with_an_ending_compose(lang, proc, text, code):
    result = screen_text(text, language=lang, procedure=proc)
    assert result.tier == EMERGENCY, result
    assert code in {m.code for m in result.matches} or (
        code == "CONFUSION" and {"SEPSIS", "FEVER_MENINGISM"} & {m.code for m in result.matches}
    ), result


BENIGN_TEXTS = [
    # the grid's words, not a weak limb
    ("en", "ESI", "my legs are not like jello anymore, walked two miles today"),
    ("en", "ESI", "if my legs ever give out should I call 911 or the clinic?"),
    ("en", "LYSIS", "the pills are useless for my leg pain, can we try something else"),
    ("en", "ESI", "I can't stand the waiting room music lol, see you next week"),
    ("en", "ESI", "My neighbor's legs gave out at church, glad mine are fine"),
    ("en", "SCS", "I don't know what day my next appointment is, can you text me?"),
    ("es", "ESI", "ya no se me doblan las piernas, gracias, todo bien"),
    ("es", "LYSIS", "mi vecina dice que no aguanta las piernas, yo estoy bien"),
    ("es", "ESI", "no se que dia es mi cita, me lo pueden recordar?"),
    ("es", "ESI", "mi esposo no sabe que dia es la cita, me la confirman?"),
    ("en", "ESI", "I want to stop these pills for good, they make me sleepy"),
    ("es", "SCS", "quiero dejar las pastillas para siempre, me dan sueno"),
]


@pytest.mark.parametrize(("lang", "proc", "text"), BENIGN_TEXTS)
def test_benign_uses_of_grid_words_are_not_raised(lang, proc, text):
    result = screen_text(text, language=lang, procedure=proc)
    assert RANK[result.tier] < RANK["URGENT"], result


# ---------------------------------------------------------------------------------------------
# The safety screen, when unsure (issue 21 item 3): reassurance that does not reassure, an URGENT
# finding with another complaint beside it, first-person despair.

UNDONE = load_yaml("context.yaml")["reassurance_undone"]
UNDONE_EXAMPLE = {
    # each sentence reassures without the word, and no longer does with it
    "negatable": {"en": "{neg} {word} today", "es": "{neg} {word} hoy"},
    "negations": {"en": "{word} feeling good today", "es": "{word} me siento bien hoy"},
    "contrasts": {"en": "it was better {word} it got worse", "es": "iba mejor {word} peor"},
    "worsening": {"en": "it was better but now {word}", "es": "iba mejor pero ahora {word}"},
}
CALM_WITHOUT = {
    "negatable": {"en": "{word} today", "es": "{word} hoy"},
    "negations": {"en": "feeling good today", "es": "me siento bien hoy"},
    "contrasts": {"en": "it was better and it got worse", "es": "iba mejor y peor"},
    "worsening": {"en": "it was better but now ok", "es": "iba mejor pero ahora ok"},
}


@pytest.mark.parametrize(
    ("section", "lang", "word"),
    [(s, lang, w) for s, words in UNDONE.items() for lang in ("en", "es") for w in words[lang]],
)
def test_each_undoing_word_undoes_the_reassurance(section, lang, word):
    from followup.screening import context

    neg = UNDONE["negations"][lang][0]
    undone = UNDONE_EXAMPLE[section][lang].format(word=word, neg=neg)
    calm = CALM_WITHOUT[section][lang].format(word=word)
    assert context.reassured_or_about_someone_else(engine.read(calm)[0]), calm
    assert not context.reassured_or_about_someone_else(engine.read(undone)[0]), undone


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "no estoy bien, me duele mucho la pierna"),
        ("en", "not doing well, my hip feels weird tonight"),
        ("en", "the ache was getting better but today it came back worse"),
        ("es", "el dolor iba mejor pero hoy volvio peor"),
    ],
)
def test_negated_or_overturned_reassurance_does_not_spare_the_screen(lang, text):
    result = screen_text(text, language=lang, procedure="ESI")
    assert result.needs_safety_screen, result


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "no, estoy bien, solo un poco adolorida"),
        ("en", "my back is doing well, a little sore"),
        ("en", "don't worry, just a little sore where the needle went"),
        ("en", "the ache is better, it came back briefly yesterday but fine now"),
        ("en", "Feeling great, no pain at all"),
        ("es", "mi hermana esta deprimida, yo estoy bien"),
        ("en", "my sister is depressed, my back is fine"),
        ("en", "I have a fever of 101"),
        ("es", "tengo calentura"),
    ],
)
def test_reassurance_someone_else_and_a_single_urgent_finding_are_not_screened(lang, text):
    result = screen_text(text, language=lang, procedure="ESI")
    assert not result.needs_safety_screen, result


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "I have a fever of 101 and I feel awful"),
        ("es", "tengo calentura y me siento fatal"),
    ],
)
def test_an_urgent_finding_with_another_complaint_asks_the_screen(lang, text):
    result = screen_text(text, language=lang, procedure="ESI")
    assert result.tier == "URGENT" and result.needs_safety_screen, result


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "I feel hopeless these days"), ("es", "me siento sin esperanza")]
)
def test_first_person_despair_asks_the_screen(lang, text):
    result = screen_text(text, language=lang, procedure="ESI")
    assert result.tier != EMERGENCY and result.needs_safety_screen, result
