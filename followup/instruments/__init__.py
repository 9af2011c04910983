"""Standard instruments (NRS, back/leg NRS, ODI, NDI, PGIC, analgesic use): registry, NDI, FHIR."""

from .registry import (
    INSTRUMENTS,
    Instrument,
    answer_value_type,
    instrument_for,
    instrument_for_question,
    instrument_problems,
)

__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "answer_value_type",
    "instrument_for",
    "instrument_for_question",
    "instrument_problems",
]
