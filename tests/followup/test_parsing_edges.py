"""Edges of the reply parsers that a mutation run found unpinned (issue 21 item 8)."""

from __future__ import annotations

import pytest

from followup.parsing import AMBIGUOUS, NOT_INTEGER, OUT_OF_RANGE, UNCLEAR, normalise, parse_nrs


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("١٠", 10),  # Arabic-Indic
        ("۱۰", 10),  # Extended Arabic-Indic (Persian)
        ("१०", 10),  # Devanagari
        ("１０", 10),  # full width
        ("٧", 7),
        ("٠", 0),
        ("١٠/١٠", 10),
    ],
)
def test_two_digit_numerals_of_other_scripts_are_read_whole(text, value):
    assert parse_nrs(text).value == value


@pytest.mark.parametrize("text", ["١١", "۱۲", "٩٩"])
def test_two_digit_numerals_of_other_scripts_out_of_range(text):
    assert parse_nrs(text).reason == OUT_OF_RANGE


@pytest.mark.parametrize("text", ["7 de", "7 of", "siete de", "seven of", "7 out of", "7 sobre"])
def test_a_number_followed_by_a_bare_de_or_of_is_that_number(text):
    # "de"/"of" without a denominator carry no meaning of their own (a cut-off "7 of 10").
    assert parse_nrs(text).value == 7


@pytest.mark.parametrize(
    "text",
    [
        "7 of 10 today",
        "7 out of 10 right now",
        "7 out of 10 es mi dolor",
        "7 de 10 hoy",
        "siete de diez ahora",
    ],
)
def test_n_of_m_followed_by_filler_is_n(text):
    assert parse_nrs(text).value == 7


@pytest.mark.parametrize(
    "text", ["7 of 10 but worse at night", "7 out of 10 after my walk", "7 de 10 pero peor"]
)
def test_n_of_m_followed_by_meaningful_words_is_unclear(text):
    assert parse_nrs(text).reason == UNCLEAR


@pytest.mark.parametrize("text", ["7 sobre 10", "siete sobre diez", "7 SOBRE 10!"])
def test_sobre_denominators_are_dropped(text):
    assert parse_nrs(text).value == 7


@pytest.mark.parametrize(("text", "reason"), [("7 sobre 5", AMBIGUOUS), ("7 of 5", AMBIGUOUS)])
def test_a_denominator_other_than_the_top_of_the_scale_is_a_second_number(text, reason):
    assert parse_nrs(text).reason == reason


def test_a_denominator_equal_to_a_custom_top_is_dropped():
    assert parse_nrs("3 out of 5", high=5).value == 3
    assert parse_nrs("3 out of 10", high=5).reason == AMBIGUOUS


@pytest.mark.parametrize(
    ("text", "value"), [("07", 7), ("007", 7), ("010", 10), ("00", 0), ("0010", 10), ("٠٧", 7)]
)
def test_leading_zeros_are_the_same_number(text, value):
    assert parse_nrs(text).value == value


def test_leading_zeros_do_not_bring_a_big_number_into_range():
    assert parse_nrs("0011").reason == OUT_OF_RANGE
    assert parse_nrs("0000005").reason == OUT_OF_RANGE  # seven digits: not a score


@pytest.mark.parametrize("text", [".5", ",5", "pain .5", "es .5", "-.5", "(.5)", "my pain is .5"])
def test_a_leading_decimal_point_is_a_half_not_a_five(text):
    # The live defect: ".5" was read as pain 5. It is 0.5, not a whole point: asked again with
    # the usual "Please reply with a number from 0 to 10." (docs/mutation.md).
    assert parse_nrs(text).reason == NOT_INTEGER


@pytest.mark.parametrize(
    ("text", "expected"), [(".5", "0.5"), (",5", "0,5"), ("pain .5", "pain 0.5"), ("a.5", "a 5")]
)
def test_normalise_keeps_a_leading_decimal_point(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text", ["hmm...5", "ok. 5", "5.", "5!"])
def test_an_ellipsis_or_full_stop_around_a_number_is_punctuation(text):
    assert parse_nrs(text).value == 5
