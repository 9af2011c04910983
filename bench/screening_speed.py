"""Speed of the red-flag screener on a 2,000-character text (issue 21 item 6: p99 < 10 ms).

``python -m bench.screening_speed [--runs N] [--baseline REV]`` screens a long, friendly message
with one buried red flag, in English and in Spanish, N times each, and prints p50/p99 beside the
baselines of the same run: a trivial regex and, with ``--baseline REV``, the screening package as
it was at git revision REV (e.g. the commit before the phrase rules were retired), extracted to a
temporary directory and imported beside the current one under another name. Not a timed test:
the figure depends on the machine.

Two clocks: wall time (``perf_counter``, what a patient waits for) and this process's CPU time
(``process_time``, what the screener costs). On a host shared with other busy processes the wall
time includes waiting for a core; the CPU time does not, so it is the figure to compare between
runs on a loaded machine. Both are printed.
"""

from __future__ import annotations

import importlib.util
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import types
from io import BytesIO
from pathlib import Path

from followup.screening import engine, screen_text

_ROOT = Path(__file__).resolve().parents[1]


def _read(text: str):
    _doc, mentions, facts = engine.read(text)
    return mentions, facts, None, None


_EN = (
    "Hi everyone, thanks so much for last week, the nurses were lovely and the parking was easy. "
    "My back is a lot better, I walked to the park with my granddaughter and we fed the ducks. "
    "I have been taking the tylenol like you said and sleeping on my side with a pillow. "
)
_ES = (
    "Hola a todos, muchas gracias por la semana pasada, las enfermeras fueron muy amables. "
    "La espalda está mucho mejor, caminé al parque con mi nieta y les dimos de comer a los patos. "
    "Estoy tomando el paracetamol como me dijeron y duermo de lado con una almohada. "
)
_FLAG = {
    "en": "Only thing is since last night I get winded walking to the bathroom. ",
    "es": "Lo único es que desde anoche me falta el aire al caminar al baño. ",
}
_TRIVIAL = re.compile(r"\b(?:cant breathe|chest pain|fever|falta el aire|fiebre)\b")


def text_of(language: str, length: int = 2000) -> str:
    filler = _EN if language == "en" else _ES
    body = (filler * 20)[: length // 2] + _FLAG[language] + filler * 20
    return body[:length]


def _time(fn, text: str, runs: int) -> tuple[list[float], list[float]]:
    fn(text)  # load the data files once
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(text)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def baseline_screener(rev: str) -> types.ModuleType:
    """``followup.screening`` as it was at git revision ``rev``, as a separate package."""
    archive = subprocess.run(
        ["git", "archive", rev, "followup/screening"],
        cwd=_ROOT,
        check=True,
        capture_output=True,
    ).stdout
    target = Path(tempfile.mkdtemp(prefix="screening_baseline_"))
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    package_dir = target / "followup" / "screening"
    name = "followup._baseline_screening"
    spec = importlib.util.spec_from_file_location(
        name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return package


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main(argv: list[str]) -> int:
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 300
    rev = argv[argv.index("--baseline") + 1] if "--baseline" in argv else None
    old = baseline_screener(rev) if rev else None
    print("| screener | language | chars | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms |")
    print("|---|---|---|---|---|---|---|")
    for language in ("en", "es"):
        text = text_of(language)
        assert screen_text(text).tier == "EMERGENCY", "the buried red flag must be found"
        # A different text each run defeats the shared normalisation cache, as in production.
        screeners = [
            ("followup.screening (current)", lambda t: screen_text(t + " ")),
            ("concept engine alone (read + decide)", lambda t: engine.decide(*_read(t + " "))),
        ]
        if old is not None:
            screeners.append((f"followup.screening at {rev}", lambda t: old.screen_text(t + " ")))
        screeners.append(("trivial regex", lambda t: _TRIVIAL.search(t.lower())))
        for name, fn in screeners:
            wall, cpu = _time(fn, text, runs)
            print(
                f"| {name} | {language} | {len(text)} | {statistics.median(wall):.2f} "
                f"| {_pct(wall, 0.99):.2f} | {statistics.median(cpu):.2f} | {_pct(cpu, 0.99):.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
