"""Shadow mode (issue 21 item 4): a candidate rule set screens every text beside the live one.

``SCREENING_SHADOW_RULES`` names a directory holding a complete candidate copy of
``followup/screening/data/`` (concepts, context, rules, safety screen, common words). Every text
the live screener reads is also read by a second, isolated copy of the screening package loaded
over that directory; where the two disagree (tier or safety screen), a
:class:`~followup.models.ShadowDisagreement` row records both verdicts by text id. Nothing
reaches the patient or the escalation chain from the candidate, and nothing of the text is logged.
``manage.py screening_report --shadow`` lists the disagreements before a clinic switches.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import logging
import sys
import types
from functools import cache
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

_LIVE = Path(__file__).resolve().parent / "screening"
_FILES = (
    "concepts.yaml",
    "context.yaml",
    "rules.yaml",
    "safety_screen.yaml",
    "common_words.yaml",
    "readings.yaml",
)


def shadow_rules_dir() -> Path | None:
    value = getattr(settings, "SCREENING_SHADOW_RULES", "") or ""
    return Path(value) if value else None


@cache
def candidate_screener(directory: str) -> types.ModuleType:
    """A separate copy of ``followup.screening`` whose data files come from ``directory``.

    Its own module objects, so its caches never mix with the live screener's.
    """
    path = Path(directory)
    missing = [name for name in _FILES if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(f"candidate rule set lacks {', '.join(missing)}")
    name = "followup._shadow_screening_" + hashlib.sha256(str(path).encode()).hexdigest()[:10]
    spec = importlib.util.spec_from_file_location(
        name, _LIVE / "__init__.py", submodule_search_locations=[str(_LIVE)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    # The data directory is read when a cache first fills, so it must be set before __init__
    # runs (it imports the modules but fills no cache).
    lexicon = importlib.import_module(f"{name}.lexicon")
    lexicon.DATA = path
    spec.loader.exec_module(package)
    return package


def shadow_compare(
    *,
    live,
    text: str,
    language: str | None,
    procedure: str | None,
    days_since: int | None,
    clinic_id: int | None,
    patient_id: int | None,
    inbound_message_id: int | None,
) -> None:
    """Screen ``text`` with the candidate rule set and record a disagreement with ``live``.

    Never raises: the live path must not depend on an experiment.
    """
    directory = shadow_rules_dir()
    if directory is None:
        return
    try:
        from .models import ShadowDisagreement

        candidate = candidate_screener(str(directory)).screen_text(
            text, language=language, procedure=procedure, days_since=days_since
        )
        live_tier = live.tier or "NONE"
        cand_tier = candidate.tier or "NONE"
        live_screen = bool(getattr(live, "needs_safety_screen", False))
        cand_screen = bool(getattr(candidate, "needs_safety_screen", False))
        if (live_tier, live_screen) == (cand_tier, cand_screen):
            return
        ShadowDisagreement.objects.create(
            rule_set=directory.name[:100],
            clinic_id=clinic_id,
            patient_id=patient_id,
            inbound_message_id=inbound_message_id,
            live_tier=live_tier,
            candidate_tier=cand_tier,
            live_safety_screen=live_screen,
            candidate_safety_screen=cand_screen,
            live_codes=sorted({m.code for m in live.matches}),
            candidate_codes=sorted({m.code for m in candidate.matches}),
        )
    except Exception as exc:  # noqa: BLE001 - an experiment must never break screening
        logger.error("shadow screening failed (%s)", type(exc).__name__)


def shadow_report(*, clinic_slug: str | None = None, as_json: bool = False) -> str:
    """The shadow disagreements, newest first: a summary by (live, candidate) verdict, then one
    line per text id (never the text)."""
    import json
    from collections import Counter

    from .models import ShadowDisagreement

    rows = ShadowDisagreement.objects.all()
    if clinic_slug:
        rows = rows.filter(clinic__slug=clinic_slug)
    rows = list(rows[:1000])
    summary = Counter(
        (r.live_tier, r.live_safety_screen, r.candidate_tier, r.candidate_safety_screen)
        for r in rows
    )
    if as_json:
        return json.dumps(
            {
                "n": len(rows),
                "rows": [
                    {
                        "rule_set": r.rule_set,
                        "inbound": r.inbound_message_id,
                        "live": r.live_tier,
                        "candidate": r.candidate_tier,
                        "live_screen": r.live_safety_screen,
                        "candidate_screen": r.candidate_safety_screen,
                        "live_codes": r.live_codes,
                        "candidate_codes": r.candidate_codes,
                    }
                    for r in rows
                ],
            },
            indent=2,
        )

    def verdict(tier: str, screen: bool) -> str:
        return tier + (" +screen" if screen else "")

    lines = [f"Shadow disagreements: {len(rows)}"]
    for (lt, ls, ct, cs), n in summary.most_common():
        lines.append(f"  live {verdict(lt, ls):<18} candidate {verdict(ct, cs):<18} {n}")
    lines.append("")
    for r in rows:
        lines.append(
            f"  {r.created_at:%Y-%m-%d %H:%M} [{r.rule_set}] inbound text #{r.inbound_message_id}: "
            f"{verdict(r.live_tier, r.live_safety_screen)} -> "
            f"{verdict(r.candidate_tier, r.candidate_safety_screen)} "
            f"({','.join(r.live_codes) or '-'} / {','.join(r.candidate_codes) or '-'})"
        )
    return "\n".join(lines)
