"""Every typographic replacement of the GSM-7 mapper, one by one (issue 21 item 8)."""

from __future__ import annotations

import pytest

from notifications import sms_encoding
from notifications.sms_encoding import encoding, is_gsm7, segments, to_gsm7_safe

# Reviewed copy: a replacement deleted from the mapper, or changed, fails below.
EXPECTED = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
    "\u2014": "-", "\u2015": "-", "\u2212": "-", "\u2026": "...", "\u2022": "-", "\u00a0": " ",
    "\u2002": " ", "\u2003": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ", "\u200a": " ",
    "\u202f": " ", "\u3000": " ", "\t": " ", "\u200b": "", "\u2060": "", "\ufeff": "",
    "\u00ad": "",
}  # fmt: skip
ALL = sorted(set(EXPECTED) | set(sms_encoding.GSM_SAFE_REPLACEMENTS))


@pytest.mark.parametrize("char", ALL, ids=[f"U+{ord(c):04X}" for c in ALL])
def test_each_typographic_character_is_replaced_by_its_gsm7_look_alike(char):
    assert not is_gsm7(char)  # worth replacing at all
    out = to_gsm7_safe(f"Hi{char}there")
    assert out == f"Hi{EXPECTED[char]}there"
    assert is_gsm7(out)
    assert encoding("x" * 100 + char) == "UCS-2"
    assert segments(to_gsm7_safe("x" * 150 + char)) == 1


def test_letters_and_gsm7_text_are_left_alone():
    text = 'Cómo está? ñ é ü ¿¡ {[€]} ~ 7/10 -- it\'s "ok"'
    assert to_gsm7_safe(text) == text
