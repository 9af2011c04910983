"""Patients' free-typed SMS answers: what is accepted, and why the rest is refused."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.parsing import (
    AMBIGUOUS,
    EMPTY,
    NOT_INTEGER,
    OUT_OF_RANGE,
    UNCLEAR,
    Parsed,
    normalise,
    parse_choice,
    parse_nrs,
    parse_yes_no,
    reprompt_hint,
)
from notifications.sms_encoding import is_gsm7

MEDICATION_OPTIONS = [
    {
        "value": "less",
        "en": "less",
        "es": "menos",
        "aliases": {"en": ["fewer", "lower"], "es": ["menor"]},
    },
    {
        "value": "same",
        "en": "the same",
        "es": "igual",
        "aliases": {"en": ["same", "no change"], "es": ["lo mismo"]},
    },
    {"value": "more", "en": "more", "es": "más", "aliases": {"en": ["higher"], "es": ["mayor"]}},
    {"value": "stopped", "en": "stopped", "es": "ya no tomo", "aliases": {"en": ["none"]}},
]

LONG_FREE_TEXT = ("my back has been sore since the procedure and I walked a lot today " * 30)[:1600]


# --------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sí, un 7/10!!", "si un 7/10"),
        ("  YES   i   DO ", "yes i do"),
        ("don't", "dont"),
        ("It’s a 7", "its a 7"),
        ("6,5", "6,5"),
        ("6.5", "6.5"),
        ("no.", "no"),
        ("-1", "-1"),
        ("6-7", "6-7"),
        ("opt-out", "opt out"),
        ("7 / 10", "7/10"),
        ("más", "mas"),
        ("٧", "7"),
        ("７", "7"),
        ("7️⃣", "7"),
        ("👍", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_it_normalises_for_matching(raw, expected):
    assert normalise(raw) == expected


# --------------------------------------------------------------------------- yes / no


@pytest.mark.parametrize(
    "text",
    ["y", "Y", "yes", "YES", "yeah", "yep", "yup", "ya", "ok yes", "yes.", "YES!!", "Yes I do",
     "yesss", "Yes please", "sure", "of course", "sí", "si", "SI", "sí.", "Siii", "claro",
     "claro que sí", "por supuesto", "I think so"],
)  # fmt: skip
def test_it_reads_yes(text):
    assert parse_yes_no(text) == Parsed(ok=True, value=True, reason="")


@pytest.mark.parametrize(
    "text",
    ["n", "N", "no", "NO", "nope", "nah", "no thanks", "not really", "no.", "Noooo", "No!",
     "I don't", "I do not", "I don't think so", "never", "none", "not at all", "no gracias",
     "para nada", "nada", "No, I'm fine", "ya no"],
)  # fmt: skip
def test_it_reads_no(text):
    assert parse_yes_no(text) == Parsed(ok=True, value=False, reason="")


@pytest.mark.parametrize("text", ["sí", "claro", "no gracias", "yes", "no"])
def test_it_reads_both_languages_whatever_the_patients_language(text):
    assert parse_yes_no(text, "en").ok
    assert parse_yes_no(text, "es").ok
    assert parse_yes_no(text, "es").value == parse_yes_no(text, "en").value


def test_it_reads_ya_as_yes_only_in_english():
    # Spanish "ya" is "already/enough", not an answer.
    assert parse_yes_no("ya", "en").value is True
    assert parse_yes_no("ya", "es") == Parsed(ok=False, value=None, reason=UNCLEAR)


@pytest.mark.parametrize(
    "text", ["yes no", "no no yes 6", "yes and no", "sí no", "yeah nope", "Yes. No."]
)
def test_it_calls_mixed_yes_and_no_ambiguous(text):
    assert parse_yes_no(text) == Parsed(ok=False, value=None, reason=AMBIGUOUS)


@pytest.mark.parametrize(
    "text",
    ["idk", "maybe", "what?", "I don't know", "not sure", "no idea", "no sé", "tal vez",
     "a little", "ok", "1", "2", "0", "👍", "👎", "🙂", "no but my leg is weak",
     "yes I have a fever and chills", 'Liked "Do you have a fever? Reply YES or NO"',
     "Le gustó “¿Tiene fiebre?”", "???", "k"],
)  # fmt: skip
def test_it_refuses_unclear_yes_no_answers(text):
    assert parse_yes_no(text) == Parsed(ok=False, value=None, reason=UNCLEAR)


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_it_reports_an_empty_yes_no_reply(text):
    assert parse_yes_no(text) == Parsed(ok=False, value=None, reason=EMPTY)


# --------------------------------------------------------------------------- NRS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("7/10", 7),
        ("7 / 10", 7),
        ("7 out of 10", 7),
        ("7 of 10", 7),
        ("a 7", 7),
        ("its a 7", 7),
        ("It’s about a 7/10 today", 7),
        ("about 7", 7),
        ("seven", 7),
        ("Seven.", 7),
        ("seven out of ten", 7),
        ("zero", 0),
        ("ten", 10),
        ("siete", 7),
        ("un 7", 7),
        ("es un 7", 7),
        ("7 de 10", 7),
        ("más o menos 7", 7),
        ("cero", 0),
        ("diez", 10),
        ("10/10", 10),
        ("0", 0),
        ("0/10", 0),
        ("7!!", 7),
        ("7.", 7),
        ("7 7", 7),
        ("٧", 7),
        ("۷", 7),
        ("７", 7),
        ("7️⃣", 7),
        ("7 🙂", 7),
    ],
)
def test_it_reads_a_pain_score(text, expected):
    assert parse_nrs(text) == Parsed(ok=True, value=expected, reason="")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("11", OUT_OF_RANGE),
        ("-1", OUT_OF_RANGE),
        ("100", OUT_OF_RANGE),
        ("eleven", OUT_OF_RANGE),
        ("once", OUT_OF_RANGE),
        ("1" * 50, OUT_OF_RANGE),
        ("6.5", NOT_INTEGER),
        ("6,5", NOT_INTEGER),
        ("7.0", NOT_INTEGER),
        ("7 and a half", NOT_INTEGER),
        ("siete y medio", NOT_INTEGER),
        ("6-7", AMBIGUOUS),
        ("6 - 7", AMBIGUOUS),
        ("6 or 7", AMBIGUOUS),
        ("6 o 7", AMBIGUOUS),
        ("entre 6 y 7", AMBIGUOUS),
        ("no no yes 6", AMBIGUOUS),
        ("yes 7", AMBIGUOUS),
        ("3/4", AMBIGUOUS),
        ("7/8", AMBIGUOUS),
        ("idk", UNCLEAR),
        ("🙂", UNCLEAR),
        ("👍", UNCLEAR),
        ("bad", UNCLEAR),
        ("no pain", UNCLEAR),
        ("took my meds at 8", UNCLEAR),
        ("7am", UNCLEAR),
        ('Liked "Rate your pain 0-10"', UNCLEAR),
        ("", EMPTY),
        ("   ", EMPTY),
        (None, EMPTY),
    ],
)
def test_it_refuses_what_is_not_one_score_with_a_reason(text, reason):
    assert parse_nrs(text) == Parsed(ok=False, value=None, reason=reason)


def test_it_checks_a_custom_range():
    assert parse_nrs("3", low=1, high=5).value == 3
    assert parse_nrs("3/5", low=1, high=5).value == 3
    assert parse_nrs("0", low=1, high=5).reason == OUT_OF_RANGE
    assert parse_nrs("6", low=1, high=5).reason == OUT_OF_RANGE
    assert parse_nrs("3/10", low=1, high=5).reason == AMBIGUOUS


def test_it_refuses_an_inverted_range_as_a_programming_error():
    with pytest.raises(ValueError):
        parse_nrs("3", low=10, high=0)


def test_it_accepts_a_non_string_reply_without_crashing():
    assert parse_nrs(7).value == 7  # type: ignore[arg-type]


# --------------------------------------------------------------------------- choices


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "less"),
        ("2", "same"),
        ("2.", "same"),
        ("#3", "more"),
        ("option 4", "stopped"),
        ("less", "less"),
        ("LESS!", "less"),
        ("fewer", "less"),
        ("Lower", "less"),
        ("menos", "less"),
        ("menor", "less"),
        ("the same", "same"),
        ("about the same", "same"),
        ("no change", "same"),
        ("igual", "same"),
        ("lo mismo", "same"),
        ("more", "more"),
        ("mas", "more"),
        ("más", "more"),
        ("MÁS", "more"),
        ("1 less", "less"),
        ("less than last week", "less"),
        ("ya no tomo", "stopped"),
    ],
)
def test_it_reads_a_choice_by_number_or_word(text, expected):
    assert parse_choice(text, MEDICATION_OPTIONS) == Parsed(ok=True, value=expected, reason="")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("more or less", AMBIGUOUS),
        ("less, more", AMBIGUOUS),
        ("2 less", AMBIGUOUS),
        ("1 2", AMBIGUOUS),
        ("5", OUT_OF_RANGE),
        ("0", OUT_OF_RANGE),
        ("2.5", NOT_INTEGER),
        ("2 pills", UNCLEAR),
        ("idk", UNCLEAR),
        ("🙂", UNCLEAR),
        ("", EMPTY),
        (None, EMPTY),
    ],
)
def test_it_refuses_unclear_choices_with_a_reason(text, reason):
    assert parse_choice(text, MEDICATION_OPTIONS) == Parsed(ok=False, value=None, reason=reason)


def test_it_prefers_the_longer_option_phrase():
    options = [
        {"value": "much_better", "en": "much better"},
        {"value": "better", "en": "better"},
    ]
    assert parse_choice("Much better!", options).value == "much_better"
    assert parse_choice("better", options).value == "better"


def test_it_does_not_match_numeric_option_values_against_option_numbers():
    # ODI-style options carry scores as values; "1" still means the first option.
    options = [{"value": 0, "en": "none"}, {"value": 1, "en": "mild"}, {"value": 2, "en": "bad"}]
    assert parse_choice("1", options) == Parsed(ok=True, value=0, reason="")


def test_it_accepts_aliases_given_as_a_plain_list():
    options = [{"value": "y", "en": "walk", "aliases": ["walking"]}, {"value": "n", "en": "sit"}]
    assert parse_choice("walking", options).value == "y"


@pytest.mark.parametrize("options", [[], [{"en": "less"}]])
def test_it_refuses_bad_options_as_a_programming_error(options):
    with pytest.raises(ValueError):
        parse_choice("1", options)


# --------------------------------------------------------------------------- re-prompts


@pytest.mark.parametrize(
    ("kind", "language", "kwargs", "expected"),
    [
        ("nrs", "en", {}, "Please reply with a number from 0 to 10."),
        ("nrs", "es", {}, "Responda con un valor del 0 al 10."),
        ("nrs", "en", {"low": 1, "high": 5}, "Please reply with a number from 1 to 5."),
        ("yes_no", "en", {}, "Please reply YES or NO."),
        ("yes_no", "es", {}, "Responda SI o NO."),
        ("yes_no", "es-MX", {}, "Responda SI o NO."),
        ("yes_no", "fr", {}, "Please reply YES or NO."),
        ("choice", "en", {"options": MEDICATION_OPTIONS}, "Please reply 1, 2, 3 or 4."),
        ("choice", "es", {"options": MEDICATION_OPTIONS}, "Responda 1, 2, 3 o 4."),
        ("choice", "en", {"options": MEDICATION_OPTIONS[:2]}, "Please reply 1 or 2."),
        ("choice", "es", {"options": [{"value": i} for i in range(8)]},
         "Responda 1, 2, 3, 4, 5, 6, 7 u 8."),
    ],
)  # fmt: skip
def test_it_states_the_valid_answers(kind, language, kwargs, expected):
    assert reprompt_hint(kind, language, **kwargs) == expected


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", ["nrs", "yes_no", "choice"])
def test_it_keeps_every_hint_in_one_gsm7_segment(kind, language):
    hint = reprompt_hint(kind, language, options=MEDICATION_OPTIONS)
    assert is_gsm7(hint), hint
    assert len(hint) <= 160


@pytest.mark.parametrize(
    ("kind", "kwargs"), [("free_text", {}), ("choice", {}), ("nrs", {"low": 5, "high": 1})]
)
def test_it_refuses_a_hint_it_cannot_write(kind, kwargs):
    with pytest.raises(ValueError):
        reprompt_hint(kind, "en", **kwargs)


# --------------------------------------------------------------------------- hostile input


@pytest.mark.parametrize(
    "text",
    [
        LONG_FREE_TEXT,
        "7" * 1600,
        "yes " * 400,
        "no no yes 6 " * 130,
        "🙂" * 800,
        "1" * 5000,  # beyond Python's int-from-string digit limit
        "\x00\x1b" * 800,
    ],
)
def test_it_answers_long_input_quickly_without_raising(text):
    started = time.perf_counter()
    results = [
        parse_yes_no(text),
        parse_nrs(text),
        parse_choice(text, MEDICATION_OPTIONS),
    ]
    assert time.perf_counter() - started < 1.0
    assert all(isinstance(r, Parsed) for r in results)


def test_it_gives_sensible_answers_to_a_long_message():
    assert parse_nrs(LONG_FREE_TEXT).reason == UNCLEAR
    assert parse_yes_no(LONG_FREE_TEXT).reason == UNCLEAR
    assert parse_nrs("7" * 1600).reason == OUT_OF_RANGE
    assert parse_yes_no("yes " * 400).value is True
    assert parse_yes_no("no no yes 6 " * 130).reason == AMBIGUOUS


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_it_never_raises_on_any_text(text):
    for result in (
        parse_yes_no(text),
        parse_yes_no(text, "es"),
        parse_nrs(text),
        parse_choice(text, MEDICATION_OPTIONS),
    ):
        assert result.ok or result.reason in {EMPTY, OUT_OF_RANGE, NOT_INTEGER, AMBIGUOUS, UNCLEAR}
        assert result.ok == (result.value is not None)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10), st.sampled_from(["{}", " {} ", "{}/10", "a {}"]))
def test_it_reads_every_score_on_the_scale(score, template):
    assert parse_nrs(template.format(score)).value == score
