"""FHIR R4 REST API under ``/fhir/`` (read, search, enrollment by transaction Bundle)."""
