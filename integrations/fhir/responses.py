"""FHIR responses: ``application/fhir+json`` bodies, OperationOutcome errors, searchset Bundles."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


def fhir_response(body: dict, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body), status=status, content_type=f"{FHIR_JSON}; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def operation_outcome(
    issues: list[tuple[str, str, str]] | str, *, code: str = "invalid", severity: str = "error"
) -> dict:
    """``issues``: a message, or (code, diagnostics, expression) triples."""
    if isinstance(issues, str):
        issues = [(code, issues, "")]
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": severity,
                "code": issue_code,
                "diagnostics": text,
                **({"expression": [expression]} if expression else {}),
            }
            for issue_code, text, expression in issues
        ],
    }


def outcome_response(text: str, *, status: int, code: str) -> HttpResponse:
    return fhir_response(operation_outcome(text, code=code), status=status)


def searchset(
    *,
    base: str,
    kind: str,
    resources: list[dict],
    total: int,
    query: dict[str, list[str]],
    count: int,
    page: int,
) -> dict:
    def link(relation: str, number: int) -> dict:
        params = [(k, v) for k, values in query.items() if k not in ("_page",) for v in values]
        params += [("_page", str(number))]
        if "_count" not in query:
            params.append(("_count", str(count)))
        return {"relation": relation, "url": f"{base}/fhir/{kind}?{urlencode(params)}"}

    last = max(1, -(-total // count)) if count else 1
    links = [link("self", page), link("first", 1), link("last", last)]
    if page > 1:
        links.append(link("previous", page - 1))
    if count and page < last:
        links.append(link("next", page + 1))
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": dt.datetime.now(dt.UTC).isoformat()},
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/fhir/{kind}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }
    if not bundle["entry"]:
        del bundle["entry"]  # FHIR forbids empty arrays
    return bundle
