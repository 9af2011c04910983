"""The screener's assertion layer and compounds generalise by kind (issue 21, batch 5 tuning).

Each test uses sentences written for this file (not batch 5's): whose symptom it is (the patient,
a caregiver speaking for the patient, someone else), future and reported-risk questions, list and
checklist denials, long-standing versus new or worse, and the compounds of general emergency
medicine (fever with confusion, hives with faintness, rigors with a racing heart or a feeling of
dying, indirect self-harm). Spanish where the cue exists in Spanish.

Pure Python (``pytest -p no:django --noconftest tests/followup/test_screening_assertions.py``).
"""

from __future__ import annotations

import pytest

from followup.screening import EMERGENCY, URGENT, engine, screen_text
from followup.screening import context as ctx
from followup.screening.lexicon import load_yaml

RANK = engine.RANK


def _tier(text: str, procedure: str | None = "ESI") -> str | None:
    return screen_text(text, procedure=procedure).tier


def _assertion(text: str, concept: str) -> ctx.Assertion:
    _doc, mentions, _facts = engine.read(text)
    found = [m for m in mentions if m.concept == concept]
    assert found, (text, concept, mentions)
    return found[0].assertion


def _below_urgent(text: str, procedure: str | None = "ESI") -> bool:
    return RANK[_tier(text, procedure)] < RANK[URGENT]


# ---------------------------------------------------------------------------------------------
# 1. Experiencer: someone else's symptom versus a caregiver speaking for the patient.


@pytest.mark.parametrize(
    "text",
    [
        # a friend, a co-worker, a pet: never the patient's caregiver
        "my friend from church told me her legs went weak after her back shot",
        "a guy at the gym told me his legs went weak after an epidural",
        "my coworker has a fever and chills, is that going around?",
        "my dog has been throwing up all night, can I move my appointment",
        # a relative with an illness of their own, and the writer's own procedure named
        "my grandson has strep with a high fever, can he sit in the waiting room during my appointment?",
        "my husband has the flu, fever and chills all week. anyway my back is doing fine",
        # the person carried on across sentences by a pronoun
        "My brother has covid. He has a high fever and the chills. My back feels great though",
        "mi amiga tiene fiebre y escalofrios, yo estoy bien",
        "mi esposo tiene gripa con fiebre, puedo ir a mi cita?",
        "mi amiga me dijo que sus piernas estan debiles desde su operacion",
        "my sister had the same shot last month and got a bad headache after, should I worry?",
    ],
)
def test_someone_elses_symptom_is_theirs(text):
    assert _below_urgent(text), (text, screen_text(text, procedure="ESI"))


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # a caregiver speaking for the patient: the symptom is the patient's
        ("Dad says his legs are so weak he cant stand up from the couch", EMERGENCY),
        ("my mother wet herself twice today and didnt notice", EMERGENCY),
        ("grandma keeps asking where she is and she is burning up", EMERGENCY),
        # a first-person word hands the clause back to the writer
        ("my wife says I look confused and I have a fever", EMERGENCY),
        ("my friend is typing this for me, I cant feel my legs", EMERGENCY),
        ("mi hija dice que tengo fiebre y estoy confundida", EMERGENCY),
        ("mi mama no puede caminar desde la inyeccion", EMERGENCY),
        ("mi hija me trajo a casa y se me doblan las piernas", EMERGENCY),
    ],
)
def test_a_caregiver_or_the_writer_reports_the_patients_symptom(text, tier):
    assert _tier(text) == tier, (text, screen_text(text, procedure="ESI"))


def test_a_pronoun_carries_the_relative_on_and_a_first_person_word_stops_it():
    assert _assertion("my sister got sick. she has a fever", "FEVER").caregiver
    other = _assertion("my sister got sick. she has a fever, my back is fine", "FEVER")
    assert other.other_person and not other.affirmed
    mine = _assertion("my sister says I have a fever", "FEVER")
    assert mine.affirmed and not (mine.caregiver or mine.other_person)
    # "and I" ends the relative's clause even without a pronoun chain
    assert _assertion("my son has a cold and I have chills", "FEVER").affirmed


def test_a_relative_named_after_the_symptom_does_not_take_it_away():
    assert _assertion("I have a fever, my son drove me home", "FEVER").affirmed


@pytest.mark.parametrize(
    "cue", [c for c in ctx.rules().cues if c.other], ids=lambda c: f"{c.lang}-{c.cue}"
)
def test_each_non_caregiver_cue_makes_the_symptom_someone_elses(cue):
    symptom = "fever" if cue.lang == "en" else "fiebre"
    a = _assertion(
        f"{cue.cue} has a {symptom}" if cue.lang == "en" else f"{cue.cue} tiene {symptom}", "FEVER"
    )
    assert a.other_person and not a.caregiver


def test_a_family_cue_still_means_a_caregiver_without_the_writer_being_the_patient():
    assert _assertion("my dad has a fever since the pump refill", "FEVER").caregiver
    assert _assertion("my dad has a fever, my appointment is friday", "FEVER").other_person


# ---------------------------------------------------------------------------------------------
# 2. Hypothetical, questions about the future and reported risk.


@pytest.mark.parametrize(
    "text",
    [
        "what should I do if I get chills or my arms get weak over the holiday?",
        "if my incision got red would I call you or the surgeon?",
        "if I ever lose control of my bladder do I go to the ER?",
        "is it normal to get a headache after these? I dont have one",
        "should I call if I have a fever? just wondering for the future",
        "I was afraid I'd wet myself like the consent form warned, but everything is normal",
        "the handout lists fever, leg weakness and bad headaches as warning signs and thankfully "
        "none of that has happened",
        "que hago si me da fiebre el fin de semana?",
        "que pasa si me da fiebre despues de la inyeccion?",
        "si me empieza a doler el pecho, voy a urgencias?",
        "what if my incision turns red and hot after I shower?",
        "me llamo si tengo fiebre? solo pregunto",
        "el folleto habla de fiebre y de las piernas debiles, no tengo nada de eso",
    ],
)
def test_a_question_about_a_possibility_is_not_a_report(text):
    assert _below_urgent(text), (text, screen_text(text, procedure="ESI"))


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("do I need to come back if my incision is red?", URGENT),
        ("do I call if I have a fever? it is 101 now", URGENT),
        ("if my legs are this weak should I go to the ER?", EMERGENCY),
    ],
)
def test_a_question_that_reports_a_present_symptom_stays_a_report(text, tier):
    assert RANK[_tier(text)] >= RANK[tier], (text, screen_text(text, procedure="ESI"))


@pytest.mark.parametrize(
    "phrase",
    [p for lang in ("en", "es") for p in load_yaml("context.yaml")["asking_ahead"][lang]],
)
def test_each_asking_ahead_phrase_makes_an_if_question_hypothetical(phrase):
    assert _assertion("do I call if I have a fever?", "FEVER").affirmed
    assert _assertion(f"do I call if I have a fever? {phrase}", "FEVER").hypothetical
    # without an "if" the symptom is reported, whatever the politeness
    assert _assertion(f"I have a fever, {phrase}", "FEVER").affirmed


@pytest.mark.parametrize(
    ("lang", "word"),
    [(lang, w) for lang in ("en", "es") for w in load_yaml("context.yaml")["conditionals"][lang]],
)
def test_each_conditional_word_is_what_asking_ahead_looks_for(lang, word):
    tail = "just asking" if lang == "en" else "solo pregunto"
    assert _assertion(f"llamo {word} tengo fiebre? {tail}", "FEVER").hypothetical
    assert _assertion(f"llamo, tengo fiebre. {tail}", "FEVER").affirmed


# ---------------------------------------------------------------------------------------------
# 3. Coordinated and checklist denials.


@pytest.mark.parametrize(
    "text",
    [
        "zero fever, zero weakness, zero chest pain",
        "Chills: no. Weakness: no. Chest pain: no.",
        "fever? nah. numbness? negative",
        "no fever, chills, numbness or weakness",
        "denies fever, chills and weakness",
        "no signs of fever, weakness or chest pain",
        "chest pain, weakness, fever: none of those",
        "fiebre: no. debilidad: no.",
        "cero fiebre, cero debilidad",
    ],
)
def test_a_list_or_checklist_denial_denies_every_item(text):
    assert _below_urgent(text), (text, screen_text(text, procedure="ESI"))


@pytest.mark.parametrize(
    "text",
    [
        "no fever or chills but my legs are weak now",
        "no chills, no fever, though I cant move my legs",
        "stiff neck no matter how I turn and I have a fever",  # "no" opening a clause
        "cuello tieso, no lo puedo mover, y tengo fiebre",
    ],
)
def test_a_denial_stops_at_but_and_a_clause_opening_no_is_no_denial(text):
    assert _tier(text) == EMERGENCY, (text, screen_text(text, procedure="ESI"))


# ---------------------------------------------------------------------------------------------
# 4. Long-standing and unchanged versus new or worse.


@pytest.mark.parametrize(
    "text",
    [
        "tingling in my feet from my diabetes, same as always",
        "numb toes for years, nothing new",
        "I have had numbness in my right foot for ten years, not new",
        "el hormigueo en las manos lo tengo desde hace anos, no es nuevo",
        "hormigueo en los pies por la diabetes, igual que siempre",
    ],
)
def test_a_long_standing_unchanged_symptom_is_not_new(text):
    assert _below_urgent(text), (text, screen_text(text, procedure="ESI"))


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("numbness in my feet from my diabetes but worse than usual since the shot", URGENT),
        ("numb feet for years but now my legs are weak", EMERGENCY),
        ("hormigueo en los pies por la diabetes, pero peor que antes", URGENT),
    ],
)
def test_worse_than_usual_or_a_new_symptom_stays_current(text, tier):
    assert RANK[_tier(text)] >= RANK[tier], (text, screen_text(text, procedure="ESI"))


# ---------------------------------------------------------------------------------------------
# 5. Compounds (general emergency medicine) and indirect self-harm.


@pytest.mark.parametrize(
    ("text", "procedure", "code"),
    [
        ("he is burning up and not making sense, keeps asking where he is", "ITDD", "SEPSIS"),
        ("fever of 102 and she doesnt recognize me", "SCS", "SEPSIS"),
        ("my teeth are chattering and my heart is going crazy", "SCS", "SEPSIS"),
        ("the chills are awful and I feel like I'm dying", "ESI", "SEPSIS"),
        ("escalofrios horribles y siento que me voy a morir", "ESI", "SEPSIS"),
        ("broke out in welts and I feel faint", "NERVE_BLOCK", "ANAPHYLAXIS"),
        ("hives on my chest and I'm going to faint", None, "ANAPHYLAXIS"),
        ("ronchas en los brazos y estoy mareada", "NERVE_BLOCK", "ANAPHYLAXIS"),
        ("itchy bumps all over and I feel like I'm going to die", None, "ANAPHYLAXIS"),
        ("me salio urticaria y siento que me muero", None, "ANAPHYLAXIS"),
    ],
)
def test_compounds_reach_emergency(text, procedure, code):
    result = screen_text(text, procedure=procedure)
    assert result.tier == EMERGENCY, (text, result)
    # the compound rule itself fires (the phrase rules underneath may name the flag first)
    _doc, mentions, facts = engine.read(text)
    outcomes = {o.code: o for o in engine.decide(mentions, facts, procedure, None)}
    assert outcomes[code].tier == EMERGENCY, outcomes
    assert "[source: general medical practice" in outcomes[code].reason


def test_each_part_of_a_compound_alone_stays_below_emergency():
    assert _tier("broke out in welts on my arms", "NERVE_BLOCK") == URGENT
    assert _tier("I feel faint when I stand", "NERVE_BLOCK") == URGENT
    assert _tier("my teeth are chattering") == URGENT
    assert _tier("I feel like I'm dying") == URGENT  # a feeling of doom still gets a call
    # the compound's parts must both be the patient's: a relative's hives do not count
    assert _tier("my son broke out in hives and I feel faint, same shot as me") != EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "I've been stockpiling my pain pills, I know what I'm going to do",
        "I wrote letters for my husband and the kids. thank you for everything you tried",
        "tired of being a burden, I just want to go to sleep for good",
        "I'm such a burden to everyone",
        "giving away my things this week, I won't be around much longer",
        "soy una carga para mi familia, ya no le veo caso",
        "ya tengo las cartas de despedida escritas",
        "a veces pienso que mejor me duermo y no despierto",
    ],
)
def test_indirect_self_harm_is_an_emergency_with_the_crisis_line(text):
    result = screen_text(text, procedure="ITDD")
    assert result.tier == EMERGENCY, (text, result)
    assert any(m.crisis_line for m in result.matches), result


def test_a_friends_self_harm_words_are_theirs_but_the_patients_never_are_denied():
    assert _tier("my friend said she wants to sleep forever, I'm worried about her") != EMERGENCY
    assert _tier("not gonna lie, I've been saving pills") == EMERGENCY


# ---------------------------------------------------------------------------------------------
# The cues above must not take a real report away: each of these is a patient's present symptom.


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("my numbness is back in my feet", URGENT),
        ("my legs are weak, the pamphlet said to call", EMERGENCY),
        ("if you have time, just asking, my legs are weak since last night", EMERGENCY),
        ("I had chest pain this morning, nothing like that before", EMERGENCY),
        ("legs are weak today, otherwise nothing new", EMERGENCY),
        ("Mom has the flu and now she is confused and burning up", EMERGENCY),
        ("my wife is fine otherwise but her legs are so weak she cant stand", EMERGENCY),
        ("I'm at risk of falling because my legs are weak", EMERGENCY),
        ("no fever, no chills, none of the above except my legs are weak", EMERGENCY),
        ("no fever other than I cant move my legs", EMERGENCY),
        ("numb toes for years, and since the shot my legs are weak", EMERGENCY),
        ("the consent form mentioned infection and I have a fever now", URGENT),
    ],
)
def test_a_present_report_survives_the_new_cues(text, tier):
    assert RANK[_tier(text)] >= RANK[tier], (text, screen_text(text, procedure="ESI"))


@pytest.mark.parametrize(
    "text",
    [
        "had a fever after my knee surgery in 2018, nothing like that this time",
        "in 2019 I had numbness in my feet for a while",
        "en 2019 tuve fiebre despues de otra operacion",
        "tengo hormigueo en los pies desde 2015",
    ],
)
def test_a_past_year_puts_the_symptom_in_the_past(text):
    assert _below_urgent(text), (text, screen_text(text, procedure="ESI"))


def test_a_future_year_or_a_number_is_not_a_past_year():
    assert _tier("fever of 102 since 2 days") == URGENT
    assert _tier(f"a fever in {ctx.datetime.date.today().year + 1}?") == URGENT


def test_a_caregivers_unclassified_complaint_still_gets_the_safety_screen():
    assert screen_text("my dad says his hip feels funny since the shot").needs_safety_screen
    assert not screen_text("my friend says her hip feels funny since her shot").needs_safety_screen
