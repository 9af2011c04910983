"""Measure the red-flag screener on the independent batch (batch 4).

The batch in tests/data/screening_batch4_independent.csv was written by a
clinician-writer who had not seen the screener's word lists or rules.
This script only reads the CSV, calls ``screen_text`` once per row and prints
the figures; it tunes nothing.

Usage (from the repo root, with the project's venv):

    DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=sqlite:////tmp/x.sqlite3 \
        .venv/bin/python bench/screening_independent.py [path/to/batch.csv] [--show-texts]

By default it prints the figures only: a held-out batch stays held out for whoever measures it
(the texts of its misses are how a batch gets tuned on without meaning to). ``--show-texts``
lists the misses, for a batch that is open for tuning.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/screening_independent.sqlite3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from followup.screening import screen_text  # noqa: E402

RANK = {None: 0, "NONE": 0, "ROUTINE": 1, "URGENT": 2, "EMERGENCY": 3}
DEFAULT = Path(__file__).resolve().parent.parent / "tests/data/screening_batch4_independent.csv"


def _tier(result) -> str | None:
    tier = getattr(result, "tier", None)
    if tier is None:
        return None
    return getattr(tier, "value", tier) if not isinstance(tier, str) else tier


def pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f} % ({k}/{n})" if n else "n/a (0/0)"


def main(path: Path, *, show_texts: bool = False) -> int:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    results = []
    for row in rows:
        res = screen_text(row["text"], language=row["language"], procedure=row["procedure"])
        got = _tier(res)
        got = str(got).upper() if got is not None else None
        results.append((row, got, bool(getattr(res, "needs_safety_screen", False))))

    def figures(subset):
        emer = [r for r in subset if r[0]["expected_tier"] == "EMERGENCY"]
        urg = [r for r in subset if r[0]["expected_tier"] == "URGENT"]
        rou = [r for r in subset if r[0]["expected_tier"] == "ROUTINE"]
        ben = [r for r in subset if r[0]["expected_tier"] == "NONE"]
        emer_hit = [r for r in emer if r[1] == "EMERGENCY"]
        emer_miss = [r for r in emer if r[1] != "EMERGENCY"]
        return [
            ("EMERGENCY -> EMERGENCY", pct(len(emer_hit), len(emer))),
            (
                "EMERGENCY missed but safety screen",
                pct(sum(1 for r in emer_miss if r[2]), len(emer_miss)),
            ),
            (
                "EMERGENCY -> EMERGENCY or safety screen",
                pct(len(emer_hit) + sum(1 for r in emer_miss if r[2]), len(emer)),
            ),
            ("URGENT -> URGENT or higher", pct(sum(1 for r in urg if RANK[r[1]] >= 2), len(urg))),
            ("ROUTINE -> ROUTINE or higher", pct(sum(1 for r in rou if RANK[r[1]] >= 1), len(rou))),
            (
                "NONE raised to URGENT/EMERGENCY",
                pct(sum(1 for r in ben if RANK[r[1]] >= 2), len(ben)),
            ),
            ("NONE given safety screen", pct(sum(1 for r in ben if r[2]), len(ben))),
        ]

    cols = {
        "all": figures(results),
        "en": figures([r for r in results if r[0]["language"] == "en"]),
        "es": figures([r for r in results if r[0]["language"] == "es"]),
    }
    print(f"batch: {path.name}, {len(rows)} texts")
    print()
    print("| measure | all | en | es |")
    print("|---|---|---|---|")
    for i, (label, _) in enumerate(cols["all"]):
        print(f"| {label} | {cols['all'][i][1]} | {cols['en'][i][1]} | {cols['es'][i][1]} |")

    if not show_texts:
        print()
        print(
            "(texts of the misses not shown: --show-texts lists them, for a batch open to tuning)"
        )
        return 0
    print()
    print("Missed EMERGENCY texts (expected EMERGENCY, got lower):")
    print()
    print("| lang | proc | text | got | safety screen |")
    print("|---|---|---|---|---|")
    for row, got, safety in results:
        if row["expected_tier"] == "EMERGENCY" and got != "EMERGENCY":
            t = row["text"].replace("|", "/")
            print(f"| {row['language']} | {row['procedure']} | {t} | {got} | {safety} |")

    print()
    print("Benign texts raised to URGENT or EMERGENCY:")
    print()
    print("| lang | proc | text | got |")
    print("|---|---|---|---|")
    for row, got, _safety in results:
        if row["expected_tier"] == "NONE" and RANK[got] >= 2:
            t = row["text"].replace("|", "/")
            print(f"| {row['language']} | {row['procedure']} | {t} | {got} |")

    print()
    print("URGENT texts below URGENT:")
    print()
    print("| lang | proc | text | got |")
    print("|---|---|---|---|")
    for row, got, _safety in results:
        if row["expected_tier"] == "URGENT" and RANK[got] < 2:
            t = row["text"].replace("|", "/")
            print(f"| {row['language']} | {row['procedure']} | {t} | {got} |")
    return 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--show-texts"]
    sys.exit(main(Path(args[0]) if args else DEFAULT, show_texts="--show-texts" in sys.argv[1:]))
