"""FHIR search parameters: parsing and the querysets they narrow, scoped to the caller's clinics.

Supported (anything else is a 400 OperationOutcome, so a misspelt filter never silently returns
everything the token can see):

| resource | parameters |
|---|---|
| Patient | ``_id``, ``identifier`` (``system|value`` or ``value``), ``_lastUpdated`` |
| Procedure | ``_id``, ``patient``, ``patient.identifier``, ``date`` (performed), ``_lastUpdated`` |
| QuestionnaireResponse | ``_id``, ``patient``, ``patient.identifier``, ``authored``/``date``, ``_lastUpdated`` |
| Observation | ``_id``, ``patient``, ``patient.identifier``, ``date``, ``code``, ``_lastUpdated`` |
| Flag | ``_id``, ``patient``, ``patient.identifier``, ``date``, ``_lastUpdated`` |

Dates take the FHIR prefixes ``eq`` (default), ``gt``, ``ge``, ``lt``, ``le`` and a year, month,
day or full timestamp; a value without a zone is read as UTC. Paging: ``_count`` (default 50, at
most 1000) and ``_page`` (from 1). Results are ordered by id, so pages are stable.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.dateparse import parse_datetime

from followup.models import Checkpoint, CheckpointStatus, Enrollment, Flag, Score
from patients.models import Clinic, Patient

from .resources import rest_ids

DEFAULT_COUNT = 50
MAX_COUNT = 1000
PAGING = {"_count", "_page", "_format"}
_PREFIXES = ("eq", "gt", "ge", "lt", "le")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")

LOINC = "http://loinc.org"
# Observation.code search: the LOINC codes the export writes, and our own score kinds.
OBSERVATION_CODES = {"97909-6": "ODI", "72514-3": "NRS_NOW"}


class SearchError(ValueError):
    """A parameter the server cannot honour: answered 400 with an OperationOutcome."""


@dataclass(frozen=True)
class DateRange:
    start: dt.datetime
    end: dt.datetime  # exclusive


def parse_date_value(raw: str) -> tuple[str, DateRange]:
    """``ge2026-01`` -> ("ge", [2026-01-01, 2026-02-01))."""
    prefix = raw[:2] if raw[:2] in _PREFIXES else "eq"
    value = raw[2:] if raw[:2] in _PREFIXES else raw
    match = _PARTIAL.match(value)
    try:
        if match:
            year, month, day = match.group(1), match.group(2), match.group(3)
            y = int(year)
            if day:
                start = dt.datetime(y, int(month), int(day), tzinfo=dt.UTC)
                end = start + dt.timedelta(days=1)
            elif month:
                m = int(month)
                start = dt.datetime(y, m, 1, tzinfo=dt.UTC)
                end = start + dt.timedelta(days=calendar.monthrange(y, m)[1])
            else:
                start = dt.datetime(y, 1, 1, tzinfo=dt.UTC)
                end = dt.datetime(y + 1, 1, 1, tzinfo=dt.UTC)
            return prefix, DateRange(start, end)
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise SearchError(
            f"Cannot read the date {raw!r}: use [prefix]YYYY[-MM[-DD]] or a timestamp."
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return prefix, DateRange(moment, moment + dt.timedelta(seconds=1))


def date_q(field: str, raw: str, *, is_date: bool = False) -> Q:
    prefix, rng = parse_date_value(raw)
    start, end = (rng.start.date(), rng.end.date()) if is_date else (rng.start, rng.end)
    return {
        "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
        "gt": Q(**{f"{field}__gte": end}),
        "ge": Q(**{f"{field}__gte": start}),
        "lt": Q(**{f"{field}__lt": start}),
        "le": Q(**{f"{field}__lt": end}),
    }[prefix]


def _ids(raw: str, kind: str) -> list[int]:
    out = []
    for part in raw.split(","):
        part = part.strip().removeprefix(f"{kind}/")
        if not part.isdigit():
            raise SearchError(f"Unknown {kind} id {part!r}.")
        out.append(int(part))
    return out


def identifier_q(raw: str, *, prefix: str, clinics: QuerySet[Clinic]) -> Q:
    """``system|value`` with our MRN system (the clinic's), or a bare MRN in any of the caller's
    clinics. An unknown system matches nothing rather than failing."""
    system, sep, value = raw.rpartition("|")
    if not sep:
        return Q(**{f"{prefix}mrn": raw})
    if not system:
        return Q(**{f"{prefix}mrn": value})
    slugs = {
        rest_ids().system(f"clinic/{slug}/mrn"): slug
        for slug in clinics.values_list("slug", flat=True)
    }
    slug = slugs.get(system)
    if slug is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}mrn": value, f"{prefix}clinic__slug": slug})


def _patient_params(prefix: str, clinics) -> dict[str, Callable[[str], Q]]:
    return {
        "patient": lambda raw: Q(**{f"{prefix}id__in": _ids(raw, "Patient")}),
        "subject": lambda raw: Q(**{f"{prefix}id__in": _ids(raw, "Patient")}),
        "patient.identifier": lambda raw: identifier_q(raw, prefix=prefix, clinics=clinics),
    }


def _observation_code_q(raw: str) -> Q:
    kinds = []
    for token in raw.split(","):
        system, sep, code = token.rpartition("|")
        code = code if sep else token
        if system in ("", LOINC) and code in OBSERVATION_CODES:
            kinds.append(OBSERVATION_CODES[code])
        elif system != LOINC and code in Score.Kind.values:
            kinds.append(code)
    return Q(kind__in=kinds)


@dataclass(frozen=True)
class Search:
    queryset: QuerySet
    params: dict[str, Callable[[str], Q]]


def search_for(kind: str, *, clinics: QuerySet[Clinic]) -> Search:
    """The scoped base queryset and the parameters of one resource type."""
    if kind == "Patient":
        qs = Patient.objects.filter(clinic__in=clinics).select_related("clinic")
        return Search(
            qs,
            {
                "_id": lambda raw: Q(pk__in=_ids(raw, "Patient")),
                "identifier": lambda raw: identifier_q(raw, prefix="", clinics=clinics),
                "_lastUpdated": lambda raw: date_q("updated_at", raw),
            },
        )
    if kind == "Procedure":
        qs = (
            Enrollment.objects.filter(clinic__in=clinics)
            .select_related("patient", "clinic", "physician", "protocol")
            .annotate(last_updated=Coalesce("withdrawn_at", "created_at"))
        )
        return Search(
            qs,
            {
                "_id": lambda raw: Q(pk__in=_ids(raw, "Procedure")),
                **_patient_params("patient__", clinics),
                "date": lambda raw: date_q("performed_on", raw, is_date=True),
                "_lastUpdated": lambda raw: date_q("last_updated", raw),
            },
        )
    if kind == "QuestionnaireResponse":
        qs = (
            Checkpoint.objects.filter(
                enrollment__clinic__in=clinics, status=CheckpointStatus.COMPLETED
            )
            .select_related("enrollment__protocol")
            .prefetch_related("answers")
        )
        return Search(
            qs,
            {
                "_id": lambda raw: Q(pk__in=_ids(raw, "QuestionnaireResponse")),
                **_patient_params("enrollment__patient__", clinics),
                "authored": lambda raw: date_q("completed_at", raw),
                "date": lambda raw: date_q("completed_at", raw),
                "_lastUpdated": lambda raw: date_q("completed_at", raw),
            },
        )
    if kind == "Observation":
        qs = Score.objects.filter(checkpoint__enrollment__clinic__in=clinics).select_related(
            "checkpoint__enrollment"
        )

        def score_ids(raw: str) -> Q:
            pks = []
            for part in raw.split(","):
                part = part.strip().removeprefix("Observation/")
                if not re.fullmatch(r"score-\d+", part):
                    raise SearchError(f"Unknown Observation id {part!r}.")
                pks.append(int(part.removeprefix("score-")))
            return Q(pk__in=pks)

        return Search(
            qs,
            {
                "_id": score_ids,
                **_patient_params("checkpoint__enrollment__patient__", clinics),
                "date": lambda raw: date_q("computed_at", raw),
                "code": _observation_code_q,
                "_lastUpdated": lambda raw: date_q("computed_at", raw),
            },
        )
    if kind == "Flag":
        qs = Flag.objects.filter(patient__clinic__in=clinics).select_related("escalation")
        return Search(
            qs,
            {
                "_id": lambda raw: Q(pk__in=_ids(raw, "Flag")),
                **_patient_params("patient__", clinics),
                "date": lambda raw: date_q("created_at", raw),
                "_lastUpdated": lambda raw: date_q("created_at", raw),
            },
        )
    raise KeyError(kind)


def apply_search(search: Search, query: dict[str, list[str]]) -> QuerySet:
    """Every parameter narrows (AND); repeated parameters AND too (``date=ge..&date=lt..``)."""
    qs = search.queryset
    for name, values in query.items():
        if name in PAGING:
            continue
        handler = search.params.get(name)
        if handler is None:
            raise SearchError(f"Unsupported search parameter {name!r}.")
        for raw in values:
            if not raw:
                raise SearchError(f"Empty value for {name!r}.")
            qs = qs.filter(handler(raw))
    return qs.order_by("pk")


def page_numbers(query: dict[str, list[str]]) -> tuple[int, int]:
    """(count, page) from ``_count`` and ``_page``; bad values are a SearchError."""
    try:
        count = int(query.get("_count", [DEFAULT_COUNT])[-1])
        page = int(query.get("_page", [1])[-1])
    except ValueError:
        raise SearchError("_count and _page take whole numbers.") from None
    if count < 0 or page < 1:
        raise SearchError("_count must be 0 or more and _page 1 or more.")
    return min(count, MAX_COUNT), page
