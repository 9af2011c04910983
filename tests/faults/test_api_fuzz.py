"""Item 8: a property-based fuzz of the REST API from its own OpenAPI schema (schemathesis).

Every operation in ``/api/schema/`` gets schema-conforming requests and schema-violating ones
(wrong types, missing and extra fields, out-of-range values), sent to gunicorn with a clinic
nurse's token. The property: no answer is a server error. Path ids stay integers in the negative
phase: a non-numeric id is the one known 500, reported and pinned by
``test_hostile_input.py::test_it_answers_malformed_api_requests_without_a_server_error``.
"""

from __future__ import annotations

import collections
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from followup.models import Enrollment, Escalation, Tier

pytestmark = [pytest.mark.faults]

EXAMPLES = int(os.environ.get("FAULTS_FUZZ_EXAMPLES", "12"))
DEEP_EXAMPLES = int(os.environ.get("FAULTS_DEEP_FUZZ_EXAMPLES", "300"))


def _fuzz(strategy, examples: int, call, answers, server_errors) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case) -> None:
        response = call(case)
        answers[response.status_code] += 1
        if response.status_code >= 500:
            server_errors.append(
                f"{case.method} {case.formatted_path} query={case.query} "
                f"body={str(case.body)[:200]} -> {response.status_code}"
            )

    run()


def _fuzz_api(stack, site, examples: int) -> dict:
    """Fuzz every operation, positive (random ids) and negative (ids that exist); return counts."""
    headers = {"Authorization": f"Token {site.token}"}
    # Something to find: an enrollment and an open escalation of the nurse's clinic.
    body = site.enrollment_body(mrn="FUZZ-1", phone="+15125556001")
    created = site.api(stack.web_url, "post", "/api/v1/enrollments/", json=body)
    assert created.status_code == 201
    enrollment = Enrollment.objects.get(pk=created.json()["id"])
    escalation = Escalation.objects.create(
        clinic=site.clinic,
        patient=enrollment.patient,
        enrollment=enrollment,
        tier=Tier.URGENT,
        kind="FUZZ",
        reason="fuzz",
        code="5555",
    )
    schema = schemathesis.openapi.from_url(stack.web_url + "/api/schema/", headers=headers)
    answers: collections.Counter = collections.Counter()
    server_errors: list[str] = []
    operations, unsatisfiable = [], []

    def call(case):
        return case.call(base_url=stack.web_url, headers=headers, timeout=15)

    for result in schema.get_all_operations():
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        operations.append(name)
        real_id = escalation.pk if "escalations" in operation.path else enrollment.pk
        ids = {"id": real_id} if "{id}" in operation.path else None
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(
                generation_mode=mode,
                headers=headers,
                path_parameters=ids if mode == GenerationMode.NEGATIVE else None,
            )
            try:
                _fuzz(strategy, examples, call, answers, server_errors)
            except Unsatisfiable:
                # Nothing of it can be made invalid once the id is fixed (a bare GET by id).
                unsatisfiable.append(f"{mode} {name}")
    assert len(operations) >= 4, operations
    assert not server_errors, "\n".join(server_errors[:20])
    assert sum(answers.values()) >= len(operations) * 2
    return {
        "operations": operations,
        "examples_per_operation_and_mode": examples,
        "requests": sum(answers.values()),
        "answers": dict(sorted(answers.items())),
        "server_errors": len(server_errors),
        "nothing_to_violate": unsatisfiable,
    }


def test_it_answers_every_fuzzed_api_request_without_a_server_error(stack, site, report):
    report(scenario="8 schemathesis fuzz of the REST API", **_fuzz_api(stack, site, EXAMPLES))


@pytest.mark.slow_faults
def test_it_survives_a_deep_fuzz_of_the_api(stack, site, report):
    report(scenario="8 deep schemathesis fuzz", **_fuzz_api(stack, site, DEEP_EXAMPLES))
