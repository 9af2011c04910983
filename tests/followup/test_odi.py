"""ODI v2.1a scoring against hand-computed examples."""

from decimal import Decimal

import pytest

from followup.odi import (
    ODI_MIN_SECTIONS,
    ODI_SECTION_KEYS,
    ODI_SECTIONS,
    odi_band,
    odi_score,
    vas_valid,
)


def answers(*scores):
    """Map scores onto the section keys in order; missing trailing sections stay unanswered."""
    return dict(zip(ODI_SECTION_KEYS, scores, strict=False))


def test_it_has_ten_sections_of_six_statements_in_both_languages():
    assert len(ODI_SECTIONS) == 10
    assert ODI_SECTION_KEYS == (
        "pain_intensity",
        "personal_care",
        "lifting",
        "walking",
        "sitting",
        "standing",
        "sleeping",
        "sex_life",
        "social_life",
        "travelling",
    )
    for section in ODI_SECTIONS:
        assert section["title"]["en"] and section["title"]["es"]
        assert len(section["statements"]) == 6
        for statement in section["statements"]:
            assert statement["en"].strip() and statement["es"].strip()
        # Six different statements: a copy-paste slip would make two scores look alike.
        assert len({s["en"] for s in section["statements"]}) == 6
        assert len({s["es"] for s in section["statements"]}) == 6


def test_it_scores_sixteen_of_fifty_as_thirty_two_percent():
    result = odi_score(answers(2, 1, 2, 1, 2, 2, 1, 2, 2, 1))
    assert result == {"sum": 16, "answered": 10, "percent": Decimal("32.0"), "band": "moderate"}


def test_it_leaves_an_unanswered_section_out_of_the_denominator():
    scores = answers(2, 1, 2, 1, 2, 2, 1, None, 3, 2)
    result = odi_score(scores)
    # 16 / 45 * 100 = 35.555... -> 35.6 (half-up on the first decimal)
    assert result["sum"] == 16
    assert result["answered"] == 9
    assert result["percent"] == Decimal("35.6")
    assert result["band"] == "moderate"


def test_it_treats_an_absent_key_like_an_unanswered_section():
    full = answers(2, 1, 2, 1, 2, 2, 1, None, 3, 2)
    missing = {k: v for k, v in full.items() if v is not None}
    assert odi_score(missing) == odi_score(full)


def test_it_scores_all_zeros_as_minimal():
    assert odi_score(answers(*[0] * 10)) == {
        "sum": 0,
        "answered": 10,
        "percent": Decimal("0.0"),
        "band": "minimal",
    }


def test_it_scores_all_fives_as_bed_bound():
    result = odi_score(answers(*[5] * 10))
    assert result["sum"] == 50
    assert result["percent"] == Decimal("100.0")
    assert result["band"] == "bed-bound"


def test_it_returns_the_percent_as_a_one_decimal_decimal():
    result = odi_score(answers(1, 1, 1, 1, 1, 1, 1, 1, 1, None))  # 9 / 45 = 20 %
    assert isinstance(result["percent"], Decimal)
    assert result["percent"].as_tuple().exponent == -1


@pytest.mark.parametrize(
    ("scores", "percent", "band"),
    [
        ((1,) * 10, "20.0", "minimal"),  # 10/50 sits on the upper bound: inclusive
        ((2, 1, 1, 1, 1, 1, 1, 1, 1, 1), "22.0", "moderate"),
        ((2,) * 10, "40.0", "moderate"),
        ((3, 2, 2, 2, 2, 2, 2, 2, 2, 2), "42.0", "severe"),
        ((3,) * 10, "60.0", "severe"),
        ((4, 3, 3, 3, 3, 3, 3, 3, 3, 3), "62.0", "crippled"),
        ((4,) * 10, "80.0", "crippled"),
        ((5, 4, 4, 4, 4, 4, 4, 4, 4, 4), "82.0", "bed-bound"),
        # nine answered: 19/45 = 42.22 -> 42.2, severe; 18/45 = 40.0, moderate
        ((3, 2, 2, 2, 2, 2, 2, 2, 2, None), "42.2", "severe"),
        ((2, 2, 2, 2, 2, 2, 2, 2, 2, None), "40.0", "moderate"),
    ],
)
def test_it_bands_scores_at_the_edges(scores, percent, band):
    result = odi_score(answers(*scores))
    assert result["percent"] == Decimal(percent)
    assert result["band"] == band


@pytest.mark.parametrize(
    ("percent", "band"),
    [
        ("0", "minimal"),
        ("20.0", "minimal"),
        ("20.1", "moderate"),
        ("20.5", "moderate"),
        ("40.0", "moderate"),
        ("40.6", "severe"),
        ("60.0", "severe"),
        ("60.1", "crippled"),
        ("80.0", "crippled"),
        ("80.1", "bed-bound"),
        ("100", "bed-bound"),
    ],
)
def test_it_bands_by_the_upper_bound_inclusive(percent, band):
    assert odi_band(Decimal(percent)) == band


@pytest.mark.parametrize("percent", ["-0.1", "100.1"])
def test_it_refuses_to_band_a_percent_outside_zero_to_hundred(percent):
    with pytest.raises(ValueError):
        odi_band(Decimal(percent))


@pytest.mark.parametrize("bad", [6, -1, 10])
def test_it_raises_on_a_score_outside_zero_to_five(bad):
    scores = answers(*[1] * 10)
    scores["walking"] = bad
    with pytest.raises(ValueError, match="walking"):
        odi_score(scores)


@pytest.mark.parametrize("bad", ["3", 2.0, True])
def test_it_raises_on_a_score_that_is_not_an_integer(bad):
    scores = answers(*[1] * 10)
    scores["sleeping"] = bad
    with pytest.raises(ValueError):
        odi_score(scores)


def test_it_raises_on_an_unknown_section():
    scores = answers(*[1] * 10)
    scores["running"] = 2
    with pytest.raises(ValueError, match="running"):
        odi_score(scores)


def test_it_gives_no_score_when_too_few_sections_are_answered():
    assert ODI_MIN_SECTIONS == 8
    assert odi_score(answers(1, 2, 3, 4, 5, 0, 1)) is None  # 7 answered
    assert odi_score(answers(1, 2, 3, 4, 5, 0, 1, None, None, None)) is None
    assert odi_score({}) is None


def test_it_scores_the_minimum_number_of_sections():
    result = odi_score(answers(1, 2, 3, 4, 5, 0, 1, 2))  # 18 / 40 = 45 %
    assert result == {"sum": 18, "answered": 8, "percent": Decimal("45.0"), "band": "severe"}


def test_it_still_validates_values_when_too_few_sections_are_answered():
    with pytest.raises(ValueError):
        odi_score({"pain_intensity": 7})


@pytest.mark.parametrize("value", [0, 1, 50, 99, 100])
def test_it_accepts_vas_integers_zero_to_hundred(value):
    assert vas_valid(value) is True


@pytest.mark.parametrize("value", [-1, 101, 50.5, 50.0, "50", None, True, False])
def test_it_rejects_vas_values_that_are_not_integers_zero_to_hundred(value):
    assert vas_valid(value) is False
