"""The normaliser (``followup.screening.text``) against a plain character-by-character reference.

The fast version builds the string with ``join`` and collapses runs with a regular expression
(issue 21 item 6, speed); this reference is the readable loop it replaced, so any difference in
the text or in the offset map (evidence is a slice of the patient's own words) fails here.
Pure Python: ``pytest -p no:django --noconftest tests/followup/test_screening_text.py``.
"""

from __future__ import annotations

import random

import pytest

from followup.screening.text import fold_char, normalise


def reference(text: str) -> tuple[str, list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(text):
        for out in fold_char(ch):
            if out in " \n" and chars and chars[-1] in " \n":
                if out == "\n":
                    chars[-1] = "\n"
                ends[-1] = index + 1
                continue
            chars.append(out)
            starts.append(index)
            ends.append(index + 1)
    text_out: list[str] = []
    s_out: list[int] = []
    e_out: list[int] = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1] == chars[i] and chars[i].isalpha():
            j += 1
        if j - i >= 2:
            text_out.append(chars[i])
            s_out.append(starts[i])
            e_out.append(ends[j])
        else:
            text_out.extend(chars[i : j + 1])
            s_out.extend(starts[i : j + 1])
            e_out.extend(ends[i : j + 1])
        i = j + 1
    return "".join(text_out), s_out, e_out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can\u2019t BREATHE", "i cant breathe"),
        ("feverrrr  102\u00b0F", "fever 102\u00b0f"),
        ("dolor\n\n  de  cabeza", "dolor\nde cabeza"),
        ("no\u00adpuedo", "nopuedo"),
        ("38\u00ba", "38\u00b0"),
        ("\u0661\u0660\u0660 fiebre", "100 fiebre"),
        ("\ufb01ve", "five"),  # a ligature becomes two letters
        ("low-grade_temp", "low grade temp"),
        ("", ""),
    ],
)
def test_it_folds_text_and_keeps_offsets(text, expected):
    norm = normalise(text)
    assert norm.text == expected
    assert (norm.text, norm.starts, norm.ends) == reference(text)


def test_it_agrees_with_the_reference_on_random_text():
    alphabet = list("abc eeelllo  \n\r--__'\u2019`\u00b4\u200b\u00ad\u00ba\u00f1\u00e1\u00c9")
    alphabet += list("\u00fc\u0661\u0662\ufb01\u00bd\u00b2\uff21\u2026\t!?.,;:") + ["aaa", " \n "]
    rnd = random.Random(21)
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        norm = normalise(text)
        assert (norm.text, norm.starts, norm.ends) == reference(text), repr(text)


def test_evidence_is_a_slice_of_the_original():
    text = "Hola\u2014 me duele MUCHOOO la cabeza"
    norm = normalise(text)
    start = norm.text.index("mucho")
    a, b = norm.span(start, start + len("mucho"))
    assert text[a:b] == "MUCHOOO"
