"""Lay-term lexicons as data, and a tolerant matcher over them (issue 21).

The text is normalised by :func:`followup.screening.text.normalise` (lower case, accents and
apostrophes dropped, offsets kept so evidence is a slice of the original text), split into word
and punctuation tokens, and each term of ``data/*.yaml`` is looked for as a token sequence.
Misspellings: a word of five letters or more also matches a lexicon word one edit away
(Damerau: one letter added, dropped, changed or two swapped) with the same first letter, unless
the text's word is itself a common word (``never`` is not a typo of ``fever``). Shorter words
must match exactly, because one edit turns most short words into other words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from .text import normalise

DATA = Path(__file__).resolve().parent / "data"
GAP = "..."
MAX_GAP = 3
FUZZY_MIN_LEN = 5
BOUNDARIES = frozenset(".!?;\n")
# A gap never skips a negation: "legs are not like jello" is no "legs ... jello" with "not" hidden
# inside the symptom's words, where the assertion layer could not see it as a cue.
GAP_STOPS = frozenset(
    [
        "not",
        "no",
        "never",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "dont",
        "doesnt",
        "didnt",
        "nunca",
        "ni",
        "tampoco",
    ]
)
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?|[,.!?;:\n]|[\U0001F300-\U0001FAFF]")  # emoji: "🤒"


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # offsets in the normalised text
    end: int
    index: int  # position among all tokens

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum()


@dataclass(frozen=True)
class Hit:
    key: str  # concept code, cue id or fact name
    term: str
    first: int  # token indexes, inclusive
    last: int
    exact: bool  # False when a word matched through a typo


@dataclass
class Doc:
    original: str
    norm: object  # text.Norm
    tokens: list[Token]
    alts: list[frozenset[str]]  # for each token, the lexicon words it can stand for
    cache: dict = field(default_factory=dict)  # results other layers share for this text
    # word -> indexes of the tokens that can stand for it: each matcher looks up only the words
    # its terms start with, instead of walking every token (speed, issue 21 item 6).
    index: dict[str, list[int]] = field(default_factory=dict)

    def evidence(self, first: int, last: int) -> str:
        start, end = self.norm.span(self.tokens[first].start, self.tokens[last].end)
        return self.original[start:end]


def load_yaml(name: str) -> dict:
    with open(DATA / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def split_term(term: str) -> tuple[str, ...]:
    """A term's tokens, normalised like patients' text (so reviewers may write accents)."""
    words: list[str] = []
    for n, part in enumerate(term.split(GAP)):
        if n:
            words.append(GAP)
        words += [t.group(0) for t in _TOKEN.finditer(normalise(part).text)]
    return tuple(words)


def _osa_distance_at_most_one(a: str, b: str) -> bool:
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one letter changed
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


class Matcher:
    """Finds terms (token sequences with optional gaps) in a tokenised text."""

    def __init__(self, entries: list[tuple[str, str]], common: frozenset[str]) -> None:
        # entries: (key, term)
        self.terms: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
        self._alts_cache: dict[str, frozenset[str]] = {}
        vocab: set[str] = set()
        for key, term in entries:
            words = split_term(term)
            if not words or words[0] == GAP:
                raise ValueError(f"empty term or term starting with a gap: {term!r}")
            self.terms.setdefault(words[0], []).append((key, term, words))
            vocab.update(w for w in words if w != GAP and w.isalpha())
        self.vocab = frozenset(vocab)
        self.common = common
        self._deletes: dict[str, set[str]] = {}
        self._fuzzy_cache: dict[str, frozenset[str]] = {}
        for word in self.vocab:
            if len(word) >= FUZZY_MIN_LEN:
                for variant in _deletes(word):
                    self._deletes.setdefault(variant, set()).add(word)

    def fuzzy(self, token: str) -> frozenset[str]:
        # Patients' words repeat from text to text: remember (boundedly) what each one can be.
        cached = self._fuzzy_cache.get(token)
        if cached is None:
            cached = self._fuzzy(token)
            if len(self._fuzzy_cache) < 50_000:
                self._fuzzy_cache[token] = cached
        return cached

    def _fuzzy(self, token: str) -> frozenset[str]:
        if len(token) < FUZZY_MIN_LEN or not token.isalpha() or token in self.common:
            return frozenset()
        found = set()
        for variant in _deletes(token):
            for word in self._deletes.get(variant, ()):
                if word[0] == token[0] and _osa_distance_at_most_one(token, word):
                    found.add(word)
        found.discard(token)
        return frozenset(found)

    def alts(self, token: str) -> frozenset[str]:
        """The lexicon words ``token`` can stand for: itself, and words one typo away."""
        cached = self._alts_cache.get(token)
        if cached is None:
            cached = frozenset({token}) | self.fuzzy(token)
            if len(self._alts_cache) < 50_000:
                self._alts_cache[token] = cached
        return cached

    def find(self, doc: Doc) -> list[Hit]:
        hits = []
        tokens = doc.tokens
        last = len(tokens) - 1
        for alt in self.terms.keys() & doc.index.keys():
            entries = self.terms[alt]
            for i in doc.index[alt]:
                for key, term, words in entries:
                    # Most terms starting with a frequent word ("my", "if") fail on their second
                    # word: test it here before the general (recursive) match.
                    second = words[1] if len(words) > 1 else GAP
                    if second != GAP and (i == last or second not in doc.alts[i + 1]):
                        continue
                    end = _match(words, 1, tokens, doc.alts, i + 1)
                    if end is not None:
                        hits.append(Hit(key, term, i, end - 1, exact=alt == tokens[i].text))
        hits.sort(key=lambda h: h.first)  # text order, as callers expect
        return hits


def _deletes(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def _match(words, w, tokens, alts, i) -> int | None:
    """Token index just after a match of ``words[w:]`` starting at token ``i``, or None."""
    if w == len(words):
        return i
    if words[w] == GAP:
        for skip in range(MAX_GAP + 1):
            j = i + skip
            if j > len(tokens):
                return None
            end = _match(words, w + 1, tokens, alts, j)
            if end is not None:
                return end
            if j < len(tokens) and (
                tokens[j].text in BOUNDARIES or not tokens[j].is_word or tokens[j].text in GAP_STOPS
            ):
                return None  # a gap never crosses punctuation or a negation
        return None
    if i < len(tokens) and words[w] in alts[i]:
        return _match(words, w + 1, tokens, alts, i + 1)
    return None


def tokenise(text: str, matcher: Matcher) -> Doc:
    norm = normalise(text)
    tokens = [
        Token(m.group(0), m.start(), m.end(), n) for n, m in enumerate(_TOKEN.finditer(norm.text))
    ]
    alts = [matcher.alts(tok.text) for tok in tokens]
    index: dict[str, list[int]] = {}
    for i, options in enumerate(alts):
        for word in options:
            index.setdefault(word, []).append(i)
    return Doc(text, norm, tokens, alts, index=index)


@cache
def common_words() -> frozenset[str]:
    data = load_yaml("common_words.yaml")
    return frozenset(w for lang in ("en", "es") for w in data[lang])
