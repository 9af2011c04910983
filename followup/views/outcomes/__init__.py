"""Physician outcome pages: cohort dashboard, patient list, patient trend, CSV and FHIR exports.

Thin views: parse the filters, ask ``followup.selectors.outcomes``, hand the results to the
templates and the chart builders. Scope decides visibility (``outcome_access``): an enrollment
or clinic outside it is a 404, as for the rest of the staff pages. Exports and patient views are
written to the audit log before anything is sent.
"""

from .dashboard import cohort_dashboard
from .exports import cohort_csv, enrollment_fhir
from .filters import PAGE_SIZE, CohortFilterForm
from .patients import patient_list, patient_trend

__all__ = [
    "PAGE_SIZE",
    "CohortFilterForm",
    "cohort_csv",
    "cohort_dashboard",
    "enrollment_fhir",
    "patient_list",
    "patient_trend",
]
