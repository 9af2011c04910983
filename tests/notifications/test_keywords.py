"""Opt-out, opt-in and help keywords, and the symptom sentences never to mistake for them."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.keywords import Keyword, classify_keyword


@pytest.mark.parametrize(
    "text",
    [
        # Twilio's single words and their spellings
        "STOP", "stop", "Stop.", "stop!!", "STOP please", "Please stop", "stop now", "stop stop",
        "STOPALL", "stop all", "UNSUBSCRIBE", "unsubscribe me", "CANCEL", "END", "QUIT",
        "REVOKE", "OPT OUT", "OPTOUT", "opt-out", "Opt out please", "  stop  ", "STOP 🛑",
        # plain-language revocations, English
        "please stop texting me", "stop sending me messages", "Stop sending me these",
        "don't text me anymore", "Don’t text me again", "do not contact me",
        "remove me from this list", "take me off your list", "leave me alone", "no more texts",
        "No, no more texts", "I want to opt out", "How do I unsubscribe?",
        "I revoke my consent to receive texts", "Stop. Wrong number.", "wrong number",
        "STOP!!! who is this", "you have the wrong number",
        # Spanish
        "basta", "Basta ya", "no me envíen más mensajes", "No me envien mas mensajes",
        "dejen de escribirme", "cancelar", "ya no quiero mensajes", "darme de baja",
        "Quiero darme de baja", "quítenme de la lista", "número equivocado",
    ],
)  # fmt: skip
def test_it_recognises_opt_outs(text):
    assert classify_keyword(text) is Keyword.STOP
    assert classify_keyword(text, opted_out=True) is Keyword.STOP


@pytest.mark.parametrize(
    "text",
    [
        # symptoms and survey answers that share words with opt-outs
        "the pain doesn't stop", "I can't stop shaking", "it won't stop hurting",
        "my leg pain will not stop", "the bleeding stopped", "stop the pain please",
        "when will this stop", "end of the day it hurts", "quit my job", "I quit smoking",
        "cancel my appointment", "Cancel. I'll call to reschedule.", "Stop! It hurts so much",
        "Stop. I can't breathe", "no", "No.", "nope", "7", "yes", "the end", "at the end",
        # self-harm wording must reach a human, never be filed as an opt-out
        "end it", "I want to end it all", "I want to quit everything",
        # negated revocations
        "please don't stop texting me", "no dejen de escribirme",
        # words that mean something else alone
        "alto", "baja", "la presión está alta", "I don't text much",
        "the doctor wants to take me off the oxycodone",
        # not ours to decide: emoji, empty
        "🛑", "", "   ", "!!!",
    ],
)  # fmt: skip
def test_it_does_not_read_symptoms_or_answers_as_opt_outs(text):
    assert classify_keyword(text) is Keyword.NONE


@pytest.mark.parametrize("text", ["START", "start", "Start.", "UNSTOP", "start please"])
def test_it_recognises_opt_ins(text):
    assert classify_keyword(text) is Keyword.START
    assert classify_keyword(text, opted_out=True) is Keyword.START


@pytest.mark.parametrize("text", ["YES", "yes", "Yes!", "yes please"])
def test_it_treats_yes_as_opt_in_only_for_an_opted_out_number(text):
    assert classify_keyword(text, opted_out=True) is Keyword.START
    assert classify_keyword(text, opted_out=False) is Keyword.NONE
    assert classify_keyword(text) is Keyword.NONE


@pytest.mark.parametrize("text", ["SUBSCRIBE", "sí", "si", "comenzar", "Yes I do"])
def test_it_does_not_opt_in_on_words_twilio_does_not_honour(text):
    assert classify_keyword(text, opted_out=True) is Keyword.NONE


def test_it_lets_stop_win_a_mixed_message():
    assert classify_keyword("start stop") is Keyword.STOP


@pytest.mark.parametrize(
    "text", ["HELP", "help", "help?", "Help!", "INFO", "info.", "AYUDA", "ayuda"]
)
def test_it_recognises_help(text):
    assert classify_keyword(text) is Keyword.HELP
    assert classify_keyword(text, opted_out=True) is Keyword.HELP


@pytest.mark.parametrize(
    "text", ["help me", "help please", "Help, I can't breathe", "necesito ayuda", "info on my meds"]
)
def test_it_leaves_possible_calls_for_help_to_the_free_text_path(text):
    assert classify_keyword(text) is Keyword.NONE


def test_it_accepts_none_without_crashing():
    assert classify_keyword(None) is Keyword.NONE  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "my back hurts when I walk and the pain gets worse at night " * 27,
        "stop " * 320,
        "STOP" * 400,
        "🙂" * 800,
        "x" * 1600,
    ],
)
def test_it_classifies_long_messages_quickly(text):
    started = time.perf_counter()
    result = classify_keyword(text)
    assert time.perf_counter() - started < 1.0
    assert isinstance(result, Keyword)


def test_it_reads_long_messages_sensibly():
    assert classify_keyword("my back hurts and the pain will not stop " * 40) is Keyword.NONE
    assert classify_keyword("stop " * 320) is Keyword.STOP
    assert classify_keyword("STOP" * 400) is Keyword.NONE  # one 1,600-letter word is not STOP


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.booleans())
def test_it_never_raises(text, opted_out):
    assert isinstance(classify_keyword(text, opted_out=opted_out), Keyword)
