"""How well the red-flag screener agrees with clinician labels: a confusion table and per-tier rates.

Pure Python (no Django): a management command wraps :func:`confusion_report` later. Run it as
``python -m followup.screening_report [csv]`` (default: the labelled test table).

Definitions (tiers are ordered NONE < ROUTINE < URGENT < EMERGENCY):

- **Sensitivity (safety)** of a tier T: of the rows a clinician labelled T, the share the screener
  put *at or above* T. Over-triage counts as caught, because an EMERGENCY treated as an EMERGENCY
  plus a needless page is safe, while an EMERGENCY filed as URGENT is a miss. For NONE every row is
  trivially at or above NONE, so its sensitivity is always 1.0; read its *exact* rate instead,
  which is the benign-kept-benign rate the test suite checks.
- **Exact recall** of T: of the rows labelled T, the share predicted exactly T.
- **Specificity** of T (tier-vs-rest): of the rows labelled anything other than T, the share not
  predicted T. A low specificity for EMERGENCY means many needless emergency instructions.
- **Under-triaged** rows are those predicted below their label: the rows that matter.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from followup.screening import Screening, screen_text

LABELS = ("NONE", "ROUTINE", "URGENT", "EMERGENCY")
_RANK = {label: i for i, label in enumerate(LABELS)}
_COLUMNS = ("text", "language", "procedure", "expected_tier", "note")
DEFAULT_CSV = Path(__file__).resolve().parent.parent / "tests" / "data" / "screening_texts.csv"

Screen = Callable[..., Screening]


def _label(tier: str | None) -> str:
    return "NONE" if tier is None else tier


def load_rows(path: str | Path) -> list[dict]:
    """Rows of a labelled CSV (columns ``text,language,procedure,expected_tier,note``).

    Raises ``ValueError`` naming the line when a column is missing or a label is not a tier.
    """
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        rows = []
        for row in reader:
            expected = (row.get("expected_tier") or "").strip().upper()
            if expected not in _RANK:
                raise ValueError(
                    f"{path}:{reader.line_num}: expected_tier {row.get('expected_tier')!r} "
                    f"is not one of {', '.join(LABELS)}"
                )
            rows.append(
                {
                    "text": row.get("text") or "",
                    "language": (row.get("language") or "").strip() or None,
                    "procedure": (row.get("procedure") or "").strip() or None,
                    "expected_tier": expected,
                    "note": row.get("note") or "",
                    "line": reader.line_num,
                }
            )
    return rows


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def confusion_report(rows: Iterable[dict], *, screen: Screen = screen_text) -> dict:
    """Screen each row (unless it already has ``predicted_tier``) and compare with its label.

    Returns ``{"n", "labels", "matrix", "per_tier", "under_triaged", "over_triaged"}`` where
    ``matrix[expected][predicted]`` is a count and ``per_tier[T]`` holds ``n``,
    ``sensitivity`` (predicted at or above T), ``exact`` and ``specificity`` (see module doc).
    """
    matrix = {e: {p: 0 for p in LABELS} for e in LABELS}
    under: list[dict] = []
    over: list[dict] = []
    scored: list[tuple[str, str]] = []
    for row in rows:
        expected = _label(row.get("expected_tier")).upper()
        if expected not in _RANK:
            raise ValueError(f"expected_tier {row.get('expected_tier')!r} is not a tier")
        if "predicted_tier" in row:
            predicted = _label(row["predicted_tier"])
            codes: list[str] = []
        else:
            result = screen(
                row.get("text") or "",
                language=row.get("language") or None,
                procedure=row.get("procedure") or None,
            )
            predicted = _label(result.tier)
            codes = [m.code for m in result.matches]
        matrix[expected][predicted] += 1
        scored.append((expected, predicted))
        detail = {**row, "expected_tier": expected, "predicted_tier": predicted, "codes": codes}
        if _RANK[predicted] < _RANK[expected]:
            under.append(detail)
        elif _RANK[predicted] > _RANK[expected]:
            over.append(detail)

    per_tier = {}
    for tier in LABELS:
        positives = [(e, p) for e, p in scored if e == tier]
        negatives = [(e, p) for e, p in scored if e != tier]
        per_tier[tier] = {
            "n": len(positives),
            "sensitivity": _ratio(
                sum(_RANK[p] >= _RANK[tier] for _, p in positives), len(positives)
            ),
            "exact": _ratio(sum(p == tier for _, p in positives), len(positives)),
            "specificity": _ratio(sum(p != tier for _, p in negatives), len(negatives)),
        }
    return {
        "n": len(scored),
        "labels": LABELS,
        "matrix": matrix,
        "per_tier": per_tier,
        "under_triaged": under,
        "over_triaged": over,
    }


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def format_report(report: dict) -> str:
    """A fixed-width text table: rows are the clinician's label, columns the screener's tier."""
    labels = report["labels"]
    width = max(len(label) for label in labels) + 2
    lines = [f"Red-flag screening: {report['n']} labelled texts", ""]
    lines.append("expected \\ predicted".ljust(22) + "".join(lab.rjust(width) for lab in labels))
    for expected in labels:
        counts = report["matrix"][expected]
        lines.append(expected.ljust(22) + "".join(str(counts[p]).rjust(width) for p in labels))
    lines += ["", "tier".ljust(12) + "n".rjust(6) + "  sens(>=)" + "   exact" + "    spec"]
    for tier in reversed(labels):
        stats = report["per_tier"][tier]
        lines.append(
            tier.ljust(12)
            + str(stats["n"]).rjust(6)
            + "   "
            + _pct(stats["sensitivity"])
            + "  "
            + _pct(stats["exact"])
            + "  "
            + _pct(stats["specificity"])
        )
    lines += [
        "",
        "sens(>=): labelled T, predicted at or above T.  exact: predicted exactly T.",
        "spec: labelled other than T, not predicted T.  NONE exact = benign kept benign.",
    ]
    under = report["under_triaged"]
    lines += ["", f"Under-triaged (predicted below the label): {len(under)}"]
    for row in under:
        lines.append(
            f"  {row['expected_tier']:>9} -> {row['predicted_tier']:<9} "
            f"[{row.get('procedure') or '-'}] {_one_line(row.get('text', ''))}"
        )
    lines.append(f"Over-triaged (predicted above the label): {len(report['over_triaged'])}")
    for row in report["over_triaged"]:
        lines.append(
            f"  {row['expected_tier']:>9} -> {row['predicted_tier']:<9} "
            f"[{row.get('procedure') or '-'}] {_one_line(row.get('text', ''))}"
        )
    return "\n".join(lines)


def _one_line(text: str, limit: int = 70) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


DATA_DIR = DEFAULT_CSV.parent
LOCKED_MARK = "locked"  # a batch whose file name holds this is never tuned against (issue 21)


def batch_paths(directory: Path = DATA_DIR) -> list[Path]:
    """The shipped table, then the labelled batches, the locked one(s) last."""
    batches = sorted(directory.glob("screening_batch*.csv"))
    batches.sort(key=lambda p: LOCKED_MARK in p.name)
    return [directory / DEFAULT_CSV.name, *batches]


def target_rates(rows: Iterable[dict], *, screen: Screen = screen_text) -> dict:
    """Issue 21's targets: EMERGENCY reaching EMERGENCY (and, of the rest, the share sent the
    safety screen), URGENT reaching URGENT or higher, benign (NONE or ROUTINE) texts raising
    URGENT/EMERGENCY, and benign texts sent the safety screen."""
    counts = {
        "emergency": 0,
        "emergency_hit": 0,
        "emergency_screened": 0,
        "urgent": 0,
        "urgent_hit": 0,
        "benign": 0,
        "benign_raised": 0,
        "benign_screened": 0,
    }
    for row in rows:
        result = screen(
            row.get("text") or "",
            language=row.get("language") or None,
            procedure=row.get("procedure") or None,
        )
        rank = _RANK[_label(result.tier)]
        screened = bool(getattr(result, "needs_safety_screen", False))
        expected = row["expected_tier"]
        if expected == "EMERGENCY":
            counts["emergency"] += 1
            counts["emergency_hit"] += rank == _RANK["EMERGENCY"]
            counts["emergency_screened"] += rank < _RANK["EMERGENCY"] and screened
        elif expected == "URGENT":
            counts["urgent"] += 1
            counts["urgent_hit"] += rank >= _RANK["URGENT"]
        else:
            counts["benign"] += 1
            counts["benign_raised"] += rank >= _RANK["URGENT"]
            counts["benign_screened"] += rank < _RANK["URGENT"] and screened
    return counts


def format_targets(name: str, c: dict) -> str:
    def pct(a: int, b: int) -> str:
        return f"{a / b:6.1%} ({a}/{b})" if b else "     -"

    missed = c["emergency"] - c["emergency_hit"]
    return (
        f"{name}\n"
        f"  EMERGENCY -> EMERGENCY      {pct(c['emergency_hit'], c['emergency'])}  (target >= 98 %)\n"
        f"  missed EMERGENCY screened   {pct(c['emergency_screened'], missed)}  (target 100 %)\n"
        f"  URGENT -> URGENT or higher  {pct(c['urgent_hit'], c['urgent'])}  (target >= 95 %)\n"
        f"  benign raised URGENT+       {pct(c['benign_raised'], c['benign'])}  (target <= 5 %)\n"
        f"  benign sent safety screen   {pct(c['benign_screened'], c['benign'])}  (target <= 15 %)"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else DEFAULT_CSV
    print(format_report(confusion_report(load_rows(path))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
