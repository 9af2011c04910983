"""Reads behind the physician outcome pages and exports, computed in the database.

- ``scope``       who sees which enrollments (``outcome_access``)
- ``expressions`` the per-check SQL: scores, baseline, change, MCID; a portable median
- ``cohort``      per-checkpoint summaries, medicine use
- ``safety``      red-flag and escalation rates
- ``literature``  the literature panel
- ``patient``     one enrollment's trend, and the patient list
- ``exports``     rows for the CSV and FHIR exports
"""

from .cohort import (
    CheckpointSummary,
    ChoiceTrend,
    CohortFilters,
    MeasureSummary,
    cohort_checkpoint_summary,
    cohort_checkpoints,
    cohort_choice_trend,
    cohort_enrollments,
)
from .exports import cohort_export_rows, enrollment_fhir_data
from .expressions import DUE_STATUSES, Median, with_outcomes
from .literature import LiteratureComparison, cohort_literature
from .patient import (
    PatientTrend,
    TrendCheck,
    days_after,
    enrollment_for_outcomes,
    enrollment_list,
    enrollment_trend,
)
from .safety import ProcedureSafety, SafetySummary, TierRate, cohort_safety
from .scope import VIEW_CLINIC_OUTCOMES, OutcomeAccess, outcome_access, outcome_enrollments

__all__ = [
    "DUE_STATUSES",
    "VIEW_CLINIC_OUTCOMES",
    "CheckpointSummary",
    "ChoiceTrend",
    "CohortFilters",
    "LiteratureComparison",
    "MeasureSummary",
    "Median",
    "OutcomeAccess",
    "PatientTrend",
    "ProcedureSafety",
    "SafetySummary",
    "TierRate",
    "TrendCheck",
    "cohort_checkpoint_summary",
    "cohort_checkpoints",
    "cohort_choice_trend",
    "cohort_enrollments",
    "cohort_export_rows",
    "cohort_literature",
    "cohort_safety",
    "days_after",
    "enrollment_fhir_data",
    "enrollment_for_outcomes",
    "enrollment_list",
    "enrollment_trend",
    "outcome_access",
    "outcome_enrollments",
    "with_outcomes",
]
