"""Delete each entry of each safety vocabulary in turn and check that a test fails (a "killed" mutant).

mutmut 3 mutates functions only: the word tables are module-level constants built at import, so
its run cannot show that they are pinned. This script does that part of `make mutation`: for
every entry of every table below it removes that one entry from the live table (rebuilding any
index derived from it), runs the tests parametrised with that entry, and counts the deletion as
killed when one of them fails. Any survivor is printed and the exit status is 1.

Usage (no database is touched; the settings only need a URL):
    DATABASE_URL=sqlite:///var/mutation.sqlite3 .venv/bin/python scripts/vocabulary_mutants.py
"""

from __future__ import annotations

import sys
from collections import defaultdict

import pytest
from _pytest.runner import runtestprotocol

TEST_FILES = [
    "tests/notifications/test_keyword_vocabulary.py",
    "tests/notifications/test_sms_gsm_replacements.py",
    "tests/followup/test_parsing_vocabulary.py",
]


def _tables() -> list[tuple[str, object, str]]:
    from followup.parsing import choice, numbers, yes_no
    from notifications import keywords, sms_encoding

    return [
        ("keywords", keywords, "STOP_WORDS"),
        ("keywords", keywords, "STOP_FIRST_SENTENCE"),
        ("keywords", keywords, "REVOCATION_PHRASES"),
        ("keywords", keywords, "SYMPTOM_WORDS"),
        ("keywords", keywords, "NEGATIONS"),
        ("keywords", keywords, "POLITE"),
        ("keywords", keywords, "START_WORDS"),
        ("keywords", keywords, "START_WHEN_OPTED_OUT"),
        ("keywords", keywords, "HELP_WORDS"),
        ("sms_encoding", sms_encoding, "GSM_SAFE_REPLACEMENTS"),
        ("parsing", yes_no, "YES_COMMON"),
        ("parsing", yes_no, "YES_EN_ONLY"),
        ("parsing", yes_no, "NO"),
        ("parsing", yes_no, "UNSURE"),
        ("parsing", yes_no, "YES_NO_FILLER"),
        ("parsing", numbers, "NRS_FILLER"),
        ("parsing", numbers, "FRACTION_WORDS"),
        ("parsing", numbers, "NUMBER_WORDS"),
        ("parsing", choice, "CHOICE_FILLER"),
    ]


# Deletions reviewed as equivalent (docs/mutation.md, "Results"): the message is still classified
# the same way through another entry. Reported, not failed; a NEW survivor fails the run.
_SAME_AS_A_REVOCATION = {"unsubscribe", "unsubscribe me", "stopall", "optout", "opt out"}
_FILLER_PLUS_ANSWER = {
    "dont think so", "have not", "i am not", "i didnt", "i dont", "i dont think so", "i have not",
    "i havent", "im not", "is not", "it doesnt", "it isnt", "its not", "no i dont", "no tengo",
}  # fmt: skip
_HEDGES_WITHOUT_ANSWER_WORDS = {
    "a bit", "a little", "a lo mejor", "a veces", "dunno", "idk", "kind of", "kinda",
    "mas o menos", "maybe", "perhaps", "possibly", "puede ser", "quiza", "quizas", "sometimes",
    "sort of", "sorta", "tal vez", "un poco", "unsure",
}  # fmt: skip
EQUIVALENT: dict[str, set[str]] = {
    "keywords.STOP_WORDS": _SAME_AS_A_REVOCATION | {"opt me out", "numero equivocado"},
    "keywords.STOP_FIRST_SENTENCE": _SAME_AS_A_REVOCATION,
    "keywords.REVOCATION_PHRASES": {
        *(f"borrenme de {x}" for x in ("esta lista", "estos mensajes", "la lista", "los mensajes",
                                       "su lista")),
        "es un numero equivocado", "no me envien mas mensajes", "no me manden mas mensajes",
    },
    "parsing.YES_COMMON": {"si tengo", "yess"},
    "parsing.NO": _FILLER_PLUS_ANSWER,
    "parsing.UNSURE": _HEDGES_WITHOUT_ANSWER_WORDS,
}  # fmt: skip


def _without(table: object, entry: object) -> object:
    if isinstance(table, dict):
        return {k: v for k, v in table.items() if k != entry}
    return frozenset(e for e in table if e != entry)


def _rebuild(module: object) -> None:
    """Indexes built from a table at import must follow the patched table."""
    if hasattr(module, "_REVOCATION_BY_FIRST_WORD"):
        index: dict = {}
        for phrase in module.REVOCATION_PHRASES:
            index.setdefault(phrase[0], []).append(phrase)
        module._REVOCATION_BY_FIRST_WORD = index


def _keys(entry: object) -> set:
    """The forms an entry takes in the tests' parameters."""
    keys = {entry}
    if isinstance(entry, tuple):
        keys.add(" ".join(entry))
    return keys


class _Plugin:
    def __init__(self) -> None:
        self.survivors: list[str] = []
        self.equivalent: list[str] = []
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        by_param: dict[object, list[pytest.Item]] = defaultdict(list)
        for item in session.items:
            callspec = getattr(item, "callspec", None)
            for value in callspec.params.values() if callspec else ():
                if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], int):
                    value = value[0]  # ("siete", 7): the number word
                by_param[value].append(item)
        for group, module, attr in _tables():
            original = getattr(module, attr)
            for entry in sorted(original, key=repr):
                items = {id(i): i for k in _keys(entry) for i in by_param.get(k, [])}.values()
                setattr(module, attr, _without(original, entry))
                _rebuild(module)
                try:
                    killed = any(
                        rep.failed for item in items for rep in runtestprotocol(item, log=False)
                    )
                finally:
                    setattr(module, attr, original)
                    _rebuild(module)
                name = f"{group}.{attr}"
                text = " ".join(entry) if isinstance(entry, tuple) else entry
                equivalent = not killed and text in EQUIVALENT.get(name, ())
                self.counts[name][0 if killed else 2 if equivalent else 1] += 1
                if equivalent:
                    self.equivalent.append(f"{name}: {entry!r}")
                elif not killed:
                    self.survivors.append(f"{name}: {entry!r}")
        return True


def main() -> int:
    plugin = _Plugin()
    pytest.main(
        [*TEST_FILES, "-q", "-p", "no:randomly", "-p", "no:cacheprovider"], plugins=[plugin]
    )
    totals = [0, 0, 0]
    print(
        f"| {'table':36} | {'entries':>7} | {'killed':>6} | {'equivalent':>10} | {'survived':>8} |"
    )
    print(f"| {'-' * 36} | {'-' * 7}: | {'-' * 6}: | {'-' * 10}: | {'-' * 8}: |")
    for name, counts in plugin.counts.items():
        killed, survived, equivalent = counts
        print(f"| {name:36} | {sum(counts):7} | {killed:6} | {equivalent:10} | {survived:8} |")
        totals = [t + c for t, c in zip(totals, counts, strict=True)]
    killed, survived, equivalent = totals
    print(f"| {'all':36} | {sum(totals):7} | {killed:6} | {equivalent:10} | {survived:8} |")
    for line in plugin.equivalent:
        print("equivalent", line)
    for survivor in plugin.survivors:
        print("SURVIVED", survivor)
    return 1 if plugin.survivors else 0


if __name__ == "__main__":
    sys.exit(main())
