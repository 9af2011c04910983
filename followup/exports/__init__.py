"""Outcome exports: a cohort CSV (``csv``) and an enrollment as a FHIR R4 Bundle (``fhir``).

Both are pure formatting over rows the selectors read; the views check scope and write the
audit event before the first byte goes out.
"""
