"""First-sight figures of a screener on the labelled batches (issue 21, items 5 and 6).

``python -m bench.screening_batches [module]`` prints, per CSV under tests/data/, the issue's
target rates: EMERGENCY reaching EMERGENCY (and, of the rest, the share that at least gets the
safety screen), URGENT reaching URGENT or higher, benign texts raising URGENT/EMERGENCY and
benign texts getting the safety screen. ``module`` defaults to ``followup.screening``; pass
another importable module with the same ``screen_text`` to measure a baseline from git.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from followup.screening_report import load_rows

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
BATCHES = (
    "screening_texts.csv",
    "screening_batch1.csv",
    "screening_batch2.csv",
    "screening_batch3_locked.csv",
)
_RANK = {None: 0, "NONE": 0, "ROUTINE": 1, "URGENT": 2, "EMERGENCY": 3}


def _screened(result) -> bool:
    """Safety screen sent: the new engine says so; the old module only had ``needs_human``."""
    return bool(getattr(result, "needs_safety_screen", False))


def figures(rows: list[dict], screen) -> dict:
    emerg = [r for r in rows if r["expected_tier"] == "EMERGENCY"]
    urgent = [r for r in rows if r["expected_tier"] == "URGENT"]
    benign = [r for r in rows if r["expected_tier"] in ("NONE", "ROUTINE")]
    out = {"n": len(rows), "misses": []}
    e_hit = e_screen = 0
    for r in emerg:
        res = screen(r["text"], language=r["language"], procedure=r["procedure"])
        if res.tier == "EMERGENCY":
            e_hit += 1
        else:
            e_screen += _screened(res)
            out["misses"].append(("EMERGENCY", res.tier, _screened(res), r["text"]))
    u_hit = 0
    for r in urgent:
        res = screen(r["text"], language=r["language"], procedure=r["procedure"])
        if _RANK[res.tier] >= 2:
            u_hit += 1
        else:
            out["misses"].append(("URGENT", res.tier, _screened(res), r["text"]))
    b_raise = b_screen = 0
    for r in benign:
        res = screen(r["text"], language=r["language"], procedure=r["procedure"])
        if _RANK[res.tier] >= 2:
            b_raise += 1
            out["misses"].append((r["expected_tier"], res.tier, _screened(res), r["text"]))
        elif _screened(res):
            b_screen += 1
    out["emergency"] = (e_hit, len(emerg), e_screen)
    out["urgent"] = (u_hit, len(urgent))
    out["benign"] = (b_raise, b_screen, len(benign))
    return out


def _pct(a: int, b: int) -> str:
    return f"{a / b:.0%} ({a}/{b})" if b else "-"


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    names = [a for a in argv if a != "-v"]
    module = importlib.import_module(names[0] if names else "followup.screening")
    print(
        "| batch | n | EMERGENCY→EMERGENCY | missed EMERGENCY with safety screen |"
        " URGENT→≥URGENT | benign raised ≥URGENT | benign safety screen |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in BATCHES:
        rows = load_rows(DATA / name)
        f = figures(rows, module.screen_text)
        e_hit, e_n, e_scr = f["emergency"]
        b_raise, b_scr, b_n = f["benign"]
        print(
            f"| {name} | {f['n']} | {_pct(e_hit, e_n)} | {_pct(e_scr, e_n - e_hit)} | "
            f"{_pct(*f['urgent'])} | {_pct(b_raise, b_n)} | {_pct(b_scr, b_n)} |"
        )
        if verbose:
            for miss in f["misses"]:
                print("   ", miss)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
