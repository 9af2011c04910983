"""Render bench/results/latest.json as the Markdown table in docs/benchmarks.md.

``python bench/report.py [results.json]`` prints the table; paste it over the old one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3g}" if value < 100 else f"{value:,.0f}"
    return f"{value:,}"


def table(results: dict) -> str:
    lines = [
        "| figure | value | baseline (same run) | ratio | target | |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["summary"]:
        ok = {True: "met", False: "**missed**", None: ""}[row["pass"]]
        base = _fmt(row["baseline"])
        if row["baseline_is"]:
            base += f" ({row['baseline_is']})"
        lines.append(
            f"| {row['figure']} | {_fmt(row['value'])} {row['unit']} | {base} | "
            f"{_fmt(row['ratio'])} | {row['target']} | {ok} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    print(table(json.loads(path.read_text())))
