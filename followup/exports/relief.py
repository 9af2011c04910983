"""The relief and diary figures the CSV adds to each patient-checkpoint row.

- The repeat-procedure rule (ESI_REPEAT after an ESI, RFA_REPEAT after a facet/SI procedure) as
  of each check with a pain score: the same ``assess_sustained`` over the same readings (pain at
  the day it was answered, in the patient's zone) as the patient's outcome page, counting only
  the checks up to that row, so a row says what was documented at that point.
- The enrollment's diagnostic-block diary (verdict of its blocks together against each block
  rule) and SCS trial diary (days answered, mean relief, verdict), repeated on every row of the
  enrollment, from ``followup/diaries/figures.py``.

Rows arrive ordered by enrollment then check date (``cohort_export_rows``), so the readings so
far are kept for one enrollment at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from followup.diaries.figures import DiaryFigures
from followup.relief.assess import assess_sustained
from followup.relief.rules import repeat_rules_for
from followup.selectors.outcomes import days_after

RELIEF_FIELDS = (
    "relief_rule",
    "relief_rule_status",
    "block_diaries",
    "block_mbb_medicare",
    "block_mbb_asra",
    "scs_trial_days_answered",
    "scs_trial_mean_relief",
    "scs_trial_verdict",
)


def _diary_cells(figures: DiaryFigures | None) -> dict:
    if figures is None:
        return dict.fromkeys(RELIEF_FIELDS[2:])
    blocks = figures.blocks_by_rule
    trial = figures.trial
    return {
        "block_diaries": len(figures.blocks) or None,
        "block_mbb_medicare": blocks["MBB_MEDICARE"].status if "MBB_MEDICARE" in blocks else None,
        "block_mbb_asra": blocks["MBB_ASRA"].status if "MBB_ASRA" in blocks else None,
        "scs_trial_days_answered": None if trial is None else trial.answered_days,
        "scs_trial_mean_relief": None if trial is None else trial.mean_relief,
        "scs_trial_verdict": None if trial is None else trial.assessment.status,
    }


def with_relief_figures(
    rows: Iterable[dict], *, diaries: dict[int, DiaryFigures]
) -> Iterator[dict]:
    """Each row with the relief columns added (see the module docstring)."""
    current, readings, cells = None, [], {}
    for row in rows:
        enrollment_id = row["enrollment_id"]
        if enrollment_id != current:
            current, readings = enrollment_id, []
            cells = _diary_cells(diaries.get(enrollment_id))
        rule_cells = {"relief_rule": None, "relief_rule_status": None}
        rules = repeat_rules_for(row["enrollment__procedure"])
        if row.get("pain") is not None and row.get("pain_at") is not None:
            day = days_after(
                row["pain_at"],
                performed_on=row["enrollment__performed_on"],
                tz_name=row["enrollment__patient__time_zone"],
            )
            readings.append((day, Decimal(row["pain"])))
            if rules:
                base = row["base_pain"]
                verdict = assess_sustained(
                    rule=rules[0], baseline=None if base is None else int(base), readings=readings
                )
                rule_cells = {"relief_rule": rules[0].code, "relief_rule_status": verdict.status}
        yield {**row, **rule_cells, **cells}
