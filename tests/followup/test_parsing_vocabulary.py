"""Every word list of the reply parsers, exercised entry by entry in the direction that matters.

The tests run over the reviewed copy in parsing_vocabulary_data.py united with the live tables,
so deleting or misspelling a word makes a test fail, and a new word is tested automatically.
"""

from __future__ import annotations

import pytest

from followup.parsing import (
    AMBIGUOUS,
    NOT_INTEGER,
    UNCLEAR,
    parse_choice,
    parse_nrs,
    parse_yes_no,
)
from followup.parsing import choice as choice_mod
from followup.parsing import numbers as numbers_mod
from followup.parsing import yes_no as yes_no_mod

from . import parsing_vocabulary_data as data


def _phrases(reviewed: list[str], live: frozenset) -> list[str]:
    return sorted(set(reviewed) | {" ".join(p) for p in live})


def _words(reviewed: list[str], live: frozenset) -> list[str]:
    return sorted(set(reviewed) | set(live))


YES = _phrases(data.YES_COMMON, yes_no_mod.YES_COMMON)
NO = _phrases(data.NO, yes_no_mod.NO)
UNSURE = _phrases(data.UNSURE, yes_no_mod.UNSURE)
YES_NO_FILLER = _words(data.YES_NO_FILLER, yes_no_mod.YES_NO_FILLER)
NRS_FILLER = _words(data.NRS_FILLER, numbers_mod.NRS_FILLER)
FRACTION_WORDS = _words(data.FRACTION_WORDS, numbers_mod.FRACTION_WORDS)
NUMBER_WORDS = sorted(set(data.NUMBER_WORDS) | set(numbers_mod.NUMBER_WORDS.items()))
CHOICE_FILLER = _words(data.CHOICE_FILLER, choice_mod.CHOICE_FILLER)

OPTIONS = [
    {"value": "better", "en": "better", "es": "mejor"},
    {"value": "same", "en": "same", "es": "igual"},
    {"value": "worse", "en": "worse", "es": "peor"},
]


# --------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("phrase", YES)
def test_each_yes_phrase_is_yes_in_both_languages(phrase, language):
    assert parse_yes_no(phrase, language).value is True
    assert parse_yes_no(f"{phrase.upper()}!", language).ok


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("phrase", NO)
def test_each_no_phrase_is_no_in_both_languages(phrase, language):
    result = parse_yes_no(phrase, language)
    assert result.ok and result.value is False


@pytest.mark.parametrize("phrase", NO)
def test_a_no_phrase_with_a_yes_is_ambiguous(phrase):
    assert parse_yes_no(f"yes {phrase}").reason == AMBIGUOUS


YES_EN_ONLY = _phrases(data.YES_EN_ONLY, yes_no_mod.YES_EN_ONLY)


@pytest.mark.parametrize("phrase", YES_EN_ONLY)
def test_ya_is_yes_only_in_english(phrase):
    # Spanish "ya" is "already/enough": not a yes.
    assert parse_yes_no(phrase, "en").value is True
    assert parse_yes_no(phrase, "es").reason == UNCLEAR


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("phrase", UNSURE)
def test_each_hedge_is_never_read_as_an_answer(phrase, language):
    # "not sure", "no se" contain a no-word: filing them as "no" would hide a patient's doubt.
    assert parse_yes_no(phrase, language).reason == UNCLEAR
    assert parse_yes_no(f"yes {phrase}", language).reason == UNCLEAR
    assert parse_yes_no(f"{phrase} no", language).reason == UNCLEAR


@pytest.mark.parametrize("word", YES_NO_FILLER)
def test_each_yes_no_filler_word_carries_no_meaning(word):
    assert parse_yes_no(f"yes {word}").value is True
    assert parse_yes_no(f"nope {word}").value is False


def test_a_word_outside_the_filler_list_makes_a_yes_unclear():
    # The control for the test above: filler matters because other words make it unclear.
    assert parse_yes_no("yes but my leg is weak").reason == UNCLEAR
    assert parse_yes_no("no but my leg is weak").reason == UNCLEAR


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("word", "value"), NUMBER_WORDS)
def test_each_number_word_is_its_value(word, value):
    assert parse_nrs(word, high=20).value == value


@pytest.mark.parametrize("word", NRS_FILLER)
def test_each_nrs_filler_word_carries_no_meaning(word):
    assert parse_nrs(f"{word} 7").value == 7
    assert parse_nrs(f"7 {word}").value == 7


def test_a_word_outside_the_nrs_filler_makes_the_number_unclear():
    assert parse_nrs("took my meds at 8").reason == UNCLEAR
    assert parse_nrs("7 banana").reason == UNCLEAR


@pytest.mark.parametrize("word", FRACTION_WORDS)
def test_each_fraction_word_makes_a_number_not_an_integer(word):
    assert parse_nrs(f"7 {word}").reason == NOT_INTEGER
    assert parse_nrs(f"7 y {word}", "es").reason == NOT_INTEGER


# --------------------------------------------------------------------------- choices


@pytest.mark.parametrize("word", CHOICE_FILLER)
def test_each_choice_filler_word_keeps_a_bare_option_number(word):
    assert parse_choice(f"{word} 2", OPTIONS).value == "same"
    assert parse_choice(f"3 {word}", OPTIONS).value == "worse"


def test_a_word_outside_the_choice_filler_makes_a_number_a_count():
    assert parse_choice("2 pills", OPTIONS).reason == UNCLEAR
    assert parse_choice("2 3", OPTIONS).reason == AMBIGUOUS
