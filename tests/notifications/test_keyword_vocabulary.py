"""Every entry of every opt-out / opt-in / help vocabulary, exercised in the direction that matters.

Each test is parametrised over the table itself, so deleting an entry (by accident, or by a
mutation-testing run) makes a test fail: "take me off the list" must stay an opt-out, and
"Stop. I'm bleeding" must never become one. See docs/mutation.md.
"""

from __future__ import annotations

import pytest

from notifications import keywords as kw
from notifications.keywords import Keyword, classify_keyword

from . import keyword_vocabulary_data as data


def _text(phrase: tuple[str, ...]) -> str:
    return " ".join(phrase)


def _holds_phrase(tokens: tuple[str, ...], *, from_offset: int = 0) -> bool:
    """True when a whole revocation phrase lies inside ``tokens`` starting at ``from_offset`` or
    later (worked out here from the table, independently of the code under test)."""
    return any(
        tokens[i : i + len(p)] == p
        for p in _ALL_REVOCATIONS
        for i in range(from_offset, len(tokens) - len(p) + 1)
    )


def _ids(table) -> list[str]:
    return [_text(p) if isinstance(p, tuple) else p for p in table]


def _phrases(reviewed: list[str], live: frozenset) -> list[tuple[str, ...]]:
    return sorted({tuple(p.split()) for p in reviewed} | set(live))


def _words(reviewed: list[str], live: frozenset) -> list[str]:
    return sorted(set(reviewed) | set(live))


# The reviewed copy and the live table together: see keyword_vocabulary_data.py for why.
STOP_WORDS = _phrases(data.STOP_WORDS, kw.STOP_WORDS)
STOP_FIRST = _phrases(data.STOP_FIRST_SENTENCE, kw.STOP_FIRST_SENTENCE)
REVOCATIONS = _phrases(data.REVOCATION_PHRASES, kw.REVOCATION_PHRASES)
SYMPTOMS = _words(data.SYMPTOM_WORDS, kw.SYMPTOM_WORDS)
NEGATIONS = _words(data.NEGATIONS, kw.NEGATIONS)
POLITE = _words(data.POLITE, kw.POLITE)
HELP_WORDS = _phrases(data.HELP_WORDS, kw.HELP_WORDS)
START_WORDS = _phrases(data.START_WORDS, kw.START_WORDS)
# Expected answers are worked out from these unions, so a deleted entry cannot move them.
_ALL_REVOCATIONS = frozenset(REVOCATIONS)
_ALL_NEGATIONS = frozenset(NEGATIONS)
_ALL_FIRST = frozenset(STOP_FIRST)


# --------------------------------------------------------------------------- STOP keywords


@pytest.mark.parametrize("phrase", STOP_WORDS, ids=_ids(STOP_WORDS))
def test_each_stop_keyword_alone_opts_out(phrase):
    text = _text(phrase)
    assert classify_keyword(text) is Keyword.STOP
    assert classify_keyword(text.upper() + "!!") is Keyword.STOP


@pytest.mark.parametrize("phrase", STOP_WORDS, ids=_ids(STOP_WORDS))
def test_each_stop_keyword_wins_over_start_in_a_mix(phrase):
    assert classify_keyword(f"start {_text(phrase)}", opted_out=True) is Keyword.STOP


@pytest.mark.parametrize("phrase", STOP_WORDS, ids=_ids(STOP_WORDS))
def test_a_stop_keyword_inside_a_sentence_is_not_a_keyword(phrase):
    # "end of the day it hurts", "quit my job": a keyword with other words is not whole-message.
    # "unsubscribe", "stopall", "opt out" etc. are revocation phrases too, so they stay STOP.
    text = f"the pain in my leg {_text(phrase)} yesterday afternoon"
    expected = Keyword.STOP if _holds_phrase(phrase) else Keyword.NONE
    assert classify_keyword(text) is expected


@pytest.mark.parametrize("phrase", STOP_FIRST, ids=_ids(STOP_FIRST))
def test_each_first_sentence_stop_word_opts_out_before_another_sentence(phrase):
    assert classify_keyword(f"{_text(phrase).upper()}. Wrong person, sorry.") is Keyword.STOP


@pytest.mark.parametrize(
    "phrase",
    [p for p in STOP_WORDS if p not in _ALL_FIRST and not _holds_phrase(p)],
    ids=_ids([p for p in STOP_WORDS if p not in _ALL_FIRST and not _holds_phrase(p)]),
)
def test_other_stop_words_do_not_open_a_longer_message(phrase):
    # "Cancel. I'll call to reschedule" is about an appointment; "End." before a story is not.
    assert classify_keyword(f"{_text(phrase)}. I will call the office later") is Keyword.NONE


# --------------------------------------------------------------------------- revocation phrases


@pytest.mark.parametrize("phrase", REVOCATIONS, ids=_ids(REVOCATIONS))
def test_each_revocation_phrase_opts_out_inside_a_sentence(phrase):
    text = f"hello {_text(phrase)} thank you"
    assert classify_keyword(text) is Keyword.STOP


@pytest.mark.parametrize("phrase", REVOCATIONS, ids=_ids(REVOCATIONS))
def test_each_revocation_phrase_needs_all_its_words(phrase):
    # Only the whole phrase revokes: the phrase cut short by its last word does not (unless what
    # is left is itself a phrase, like "borrenme" in "borrenme de la lista").
    if len(phrase) == 1:
        pytest.skip("a one-word phrase has no shorter prefix")
    prefix = phrase[:-1]
    text = f"hello {_text(prefix)} my leg feels better"
    expected = Keyword.STOP if _holds_phrase(prefix) else Keyword.NONE
    assert classify_keyword(text) is expected


@pytest.mark.parametrize("phrase", REVOCATIONS, ids=_ids(REVOCATIONS))
def test_a_negation_before_a_revocation_phrase_vetoes_it_unless_it_is_one(phrase):
    text = f"please never {_text(phrase)} I like them"
    # A phrase that is a negation itself ("dont text me") keeps its meaning, and so does one that
    # holds another phrase further on ("es un numero equivocado").
    revokes = phrase[0] in _ALL_NEGATIONS or _holds_phrase(phrase, from_offset=1)
    expected = Keyword.STOP if revokes else Keyword.NONE
    assert classify_keyword(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "take me off the list",
        "Please take me off your list",
        "remove me from this list",
        "no me envíen más mensajes",
        "No me manden mas mensajes por favor",
        "quítenme de la lista",
        "Dejen de escribirme",
        "I revoke my consent",
        "don't text me anymore",
        "STOP TEXTING ME",
        "You have the wrong number",
        "es un número equivocado",
    ],
)
def test_plain_language_revocations_in_english_and_spanish(text):
    assert classify_keyword(text) is Keyword.STOP


# --------------------------------------------------------------------------- negations


@pytest.mark.parametrize("negation", NEGATIONS)
def test_each_negation_vetoes_a_revocation_phrase_after_it(negation):
    assert classify_keyword(f"please {negation} stop texting me") is Keyword.NONE
    assert classify_keyword(f"{negation} dejen de escribirme") is Keyword.NONE


@pytest.mark.parametrize("negation", NEGATIONS)
def test_a_negation_word_alone_is_no_keyword(negation):
    assert classify_keyword(negation) is Keyword.NONE


# --------------------------------------------------------------------------- symptom veto


@pytest.mark.parametrize("word", SYMPTOMS)
def test_each_symptom_word_stops_stop_from_being_an_opt_out(word):
    # "Stop. I'm bleeding": the patient is describing, not revoking; a human must read it.
    assert classify_keyword(f"Stop. I'm {word}") is Keyword.NONE
    assert classify_keyword(f"STOP! it is {word.upper()} again.") is Keyword.NONE


@pytest.mark.parametrize("word", SYMPTOMS)
def test_without_the_symptom_word_the_same_message_opts_out(word):
    # The control: the veto comes from the word, not from the sentence around it.
    assert classify_keyword("Stop. I'm fine") is Keyword.STOP
    assert classify_keyword(f"Stop. I'm {word}x") is Keyword.STOP


@pytest.mark.parametrize(
    "text",
    ["Stop. I'm bleeding", "Stop! It hurts so much", "Stop. Tengo fiebre", "Para. me duele"],
)
def test_stop_then_a_symptom_is_not_an_opt_out(text):
    assert classify_keyword(text) is Keyword.NONE


# --------------------------------------------------------------------------- politeness


@pytest.mark.parametrize("word", POLITE)
def test_each_politeness_word_keeps_a_bare_stop_a_stop(word):
    assert classify_keyword(f"stop {word}") is Keyword.STOP
    assert classify_keyword(f"{word} cancelar") is Keyword.STOP


@pytest.mark.parametrize("word", POLITE)
def test_each_politeness_word_keeps_a_bare_start_a_start(word):
    assert classify_keyword(f"start {word}", opted_out=True) is Keyword.START


@pytest.mark.parametrize("word", POLITE)
def test_a_politeness_word_does_not_stretch_to_other_words(word):
    assert classify_keyword(f"stop {word} my back") is Keyword.NONE


# --------------------------------------------------------------------------- START / HELP


@pytest.mark.parametrize("phrase", START_WORDS, ids=_ids(START_WORDS))
def test_each_start_word_opts_in(phrase):
    assert classify_keyword(_text(phrase)) is Keyword.START
    assert classify_keyword(_text(phrase).upper(), opted_out=True) is Keyword.START
    assert classify_keyword(f"{_text(phrase)} my pain is back") is Keyword.NONE


START_WHEN_OPTED_OUT = _phrases(["yes"], kw.START_WHEN_OPTED_OUT)


@pytest.mark.parametrize("phrase", START_WHEN_OPTED_OUT, ids=_ids(START_WHEN_OPTED_OUT))
def test_yes_opts_in_only_when_opted_out(phrase):
    assert classify_keyword(_text(phrase).upper(), opted_out=True) is Keyword.START
    assert classify_keyword(_text(phrase), opted_out=False) is Keyword.NONE


@pytest.mark.parametrize("phrase", HELP_WORDS, ids=_ids(HELP_WORDS))
def test_each_help_word_alone_is_help_and_nothing_added(phrase):
    assert classify_keyword(_text(phrase).upper() + "?") is Keyword.HELP
    assert classify_keyword(f"{_text(phrase)} please") is Keyword.NONE
    assert classify_keyword(f"{_text(phrase)} me") is Keyword.NONE


@pytest.mark.parametrize("word", ["subscribe", "alto", "baja", "si", "comenzar"])
def test_words_twilio_does_not_honour_are_not_opt_ins_or_outs(word):
    assert classify_keyword(word, opted_out=True) is Keyword.NONE
