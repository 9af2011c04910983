"""The relief-diary figures of many enrollments at once, for the outcome page and the exports.

One query over the diary rows of the enrollments asked for, then the same pure functions the
chart note and the trial card use (``followup/relief``): each diagnostic block against every
block rule, the blocks together (Medicare wants two), and the SCS trial summary. An enrollment
without a diary has no entry.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from followup.models import DiaryEntry, DiaryKind
from followup.relief.assess import Assessment, assess_block, assess_blocks
from followup.relief.rules import RELIEF_RULES, ReliefRule
from followup.relief.trial import TrialSummary

from .anaesthetics import anaesthetic
from .services import block_readings, trial_summary

# The rules a diagnostic block is read against (their duration is the anaesthetic's).
BLOCK_RULES: tuple[ReliefRule, ...] = tuple(
    r for r in RELIEF_RULES.values() if r.duration == "anaesthetic"
)


@dataclass(frozen=True)
class BlockFigures:
    series: int
    block_at: dt.datetime
    anaesthetic: str  # its label, "bupivacaine 0.5 %" ...
    prompts: int
    answered: int
    late: int
    by_rule: dict[str, Assessment]


@dataclass(frozen=True)
class DiaryFigures:
    blocks: list[BlockFigures] = field(default_factory=list)
    blocks_by_rule: dict[str, Assessment] = field(default_factory=dict)  # the blocks together
    trial: TrialSummary | None = None


def _block(series: int, rows: list[DiaryEntry], baseline: int | None) -> BlockFigures:
    first = rows[0]
    readings = block_readings(rows)
    return BlockFigures(
        series=series,
        block_at=first.started_at,
        anaesthetic=anaesthetic(first.anaesthetic)["label"],
        prompts=len(rows),
        answered=sum(1 for r in rows if r.pain is not None),
        late=sum(1 for r in rows if r.late),
        by_rule={
            rule.code: assess_block(
                rule=rule,
                baseline=baseline,
                block_at=first.started_at,
                anaesthetic_name=first.anaesthetic,
                readings=readings,
            )
            for rule in BLOCK_RULES
        },
    )


def diary_figures(*, enrollment_ids: Iterable[int] | QuerySet) -> dict[int, DiaryFigures]:
    """Diary figures by enrollment id, in one query whatever the number of enrollments."""
    rows = (
        DiaryEntry.objects.filter(enrollment_id__in=enrollment_ids)
        .select_related("enrollment")
        .order_by("enrollment_id", "kind", "series", "due_at", "pk")
    )
    grouped: dict[int, dict[tuple[str, int], list[DiaryEntry]]] = defaultdict(
        lambda: defaultdict(list)
    )
    baselines: dict[int, int | None] = {}
    for row in rows:
        grouped[row.enrollment_id][(row.kind, row.series)].append(row)
        baselines[row.enrollment_id] = row.enrollment.baseline_pain
    out = {}
    for enrollment_id, series in grouped.items():
        baseline = baselines[enrollment_id]
        blocks = [
            _block(number, entries, baseline)
            for (kind, number), entries in sorted(series.items())
            if kind == DiaryKind.BLOCK
        ]
        trial_rows = series.get((DiaryKind.SCS_TRIAL, 1))
        out[enrollment_id] = DiaryFigures(
            blocks=blocks,
            blocks_by_rule={
                rule.code: assess_blocks(rule=rule, blocks=[b.by_rule[rule.code] for b in blocks])
                for rule in BLOCK_RULES
            }
            if blocks
            else {},
            trial=trial_summary(trial_rows, baseline=baseline) if trial_rows else None,
        )
    return out
