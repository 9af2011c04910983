"""What an SMS body costs: GSM-7 or UCS-2, and how many segments."""

from __future__ import annotations

import pytest

from notifications.sms_encoding import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    encoding,
    is_gsm7,
    non_gsm_chars,
    segments,
    to_gsm7_safe,
)


def test_it_has_the_full_gsm_03_38_tables():
    # 128 code points minus the escape; ten extension characters.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENDED) == 10
    assert not GSM7_BASIC & GSM7_EXTENDED
    assert "\x1b" not in GSM7_BASIC


@pytest.mark.parametrize(
    "text",
    ["Hello", "", "Reply 1, 2, 3 or 4.", "@£$¥", "¿Como?", "Año ñ é ü à Ñ É Ü",
     "¡Hola!", "ΔΦΓΛΩΠΨΣΘΞ", "line\nbreak\r", "€ [ ] { } ~ ^ | \\", "Responda SI o NO.",
     "50% off & more #1 _x_ (ok) <3 ;-) = ?", "Ç"],
)  # fmt: skip
def test_it_recognises_gsm7_text(text):
    assert is_gsm7(text)
    assert encoding(text) == "GSM-7"
    assert non_gsm_chars(text) == []


@pytest.mark.parametrize(
    ("text", "offenders"),
    [
        ("Responda con un número", ["ú"]),
        ("¿Cómo está?", ["ó", "á"]),
        ("sí", ["í"]),
        ("It’s fine", ["’"]),
        ("“quoted”", ["“", "”"]),
        ("wait…", ["…"]),
        ("a\u00a0b", ["\u00a0"]),
        ("ç", ["ç"]),
        ("tab\there", ["\t"]),
        ("`code`", ["`"]),
        ("pain 7 🙂🙂", ["🙂"]),
        ("Привет", ["П", "р", "и", "в", "е", "т"]),
    ],
)
def test_it_names_the_characters_that_force_ucs2(text, offenders):
    assert not is_gsm7(text)
    assert encoding(text) == "UCS-2"
    assert non_gsm_chars(text) == offenders


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        ("a" * 1530, 10),
        ("€" * 80, 1),  # 160 septets
        ("€" + "a" * 158, 1),  # 160 septets
        ("€" + "a" * 159, 2),  # 161 septets
        ("[" * 80, 1),
        ("[" * 81, 2),
        ("a" * 152 + "[" + "a" * 8, 2),  # the escape pair is not split: 152 + 2 > 153
        ("[" * 153, 3),  # 306 septets, but pairs cannot straddle parts: 76 + 76 + 1
        ("é" * 160, 1),  # accented GSM letters cost one septet
        ("ú" * 70, 1),
        ("ú" * 71, 2),
        ("ú" * 134, 2),
        ("ú" * 135, 3),
        ("’" + "a" * 69, 1),
        ("’" + "a" * 70, 2),
        ("🙂" * 35, 1),  # 70 UTF-16 code units
        ("🙂" * 36, 2),
        ("a" + "🙂" * 35, 2),  # 71 code units
        ("a" * 66 + "🙂" * 34, 3),  # 134 units, but a surrogate pair never straddles parts
    ],
)
def test_it_counts_segments(text, expected):
    assert segments(text) == expected


def test_it_shows_one_curly_quote_halving_the_room():
    plain = "Your pain check-in: it's quick. " * 4
    assert segments(plain) == 1
    assert segments(plain.replace("'", "’")) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It’s fine", "It's fine"),
        ("‘single’ “double”", "'single' \"double\""),
        ("„low“ «guillemets»", '"low" "guillemets"'),
        ("0–10 — now", "0-10 - now"),
        ("wait…", "wait..."),
        ("a\u00a0b\u202fc\u2009d", "a b c d"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("soft\u00adhyphen", "softhyphen"),
        ("tab\there", "tab here"),
        ("−1", "-1"),
        ("plain text", "plain text"),
        ("número", "número"),  # letters are the author's choice, not ours
    ],
)
def test_it_replaces_typographic_characters_with_gsm_lookalikes(text, expected):
    assert to_gsm7_safe(text) == expected


@pytest.mark.parametrize(
    "text",
    ["It’s “fine” – really…", "a\u00a0b\u2007c", "Don’t forget: «7»", "`quote´"],
)
def test_it_makes_punctuation_only_problems_gsm7(text):
    assert not is_gsm7(text)
    assert is_gsm7(to_gsm7_safe(text))


def test_it_leaves_emoji_and_accents_for_the_author():
    assert non_gsm_chars(to_gsm7_safe("¿Cómo está? 🙂")) == ["ó", "á", "🙂"]


def test_it_handles_a_long_body_quickly():
    body = "€a’" * 600
    assert segments(body) == 27  # 1,800 UCS-2 code units / 67
    assert to_gsm7_safe(body).count("'") == 600
