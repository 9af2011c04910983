"""Item 5: server time and query counts of the staff pages on a big database.

Run by bench/run.py against the database made with ``bench_data 50000 --answers 1000000``. Each
page is requested through Django's test client (the whole middleware stack, templates, the audit
row), as the bench admin who sees every clinic: the worst case. Query counts are taken for two
inputs of different size; a constant count means no query per row.
"""

from __future__ import annotations

import json
import os
import sys
import time

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.common import percentile  # noqa: E402
from followup.models import Enrollment  # noqa: E402
from patients.models import Patient  # noqa: E402

RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "30"))


def timed(client: Client, url: str) -> dict:
    cache.clear()  # the first request computes everything: reported as "first_ms"
    started = time.perf_counter()
    assert client.get(url).status_code == 200, url
    first = (time.perf_counter() - started) * 1000
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return {
        "first_ms": round(first, 1),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "bytes": len(response.content),
    }


def queries(client: Client, url: str) -> int:
    cache.clear()  # count what computing the page costs, not a cached answer
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def main() -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username=os.environ["BENCH_USER"]))
    # The patient with the most to show, and the one with the least, both with an escalation
    # (a patient without one skips those queries: fewer, not more, is no per-row query).
    ranked = (
        Patient.objects.filter(escalations__isnull=False)
        .annotate(n=Count("inbound_messages", distinct=True))
        .order_by("-n", "pk")
    )
    big, small = ranked.first(), ranked.order_by("n", "pk").first()
    procedure = (
        Enrollment.objects.values("procedure").annotate(n=Count("pk")).order_by("n").first()
    )["procedure"]
    pages = {
        "triage_queue": ("/queue/", "/queue/?tier=EMERGENCY"),
        "patient_timeline": (f"/patients/{big.pk}/", f"/patients/{small.pk}/"),
        "cohort_dashboard": ("/outcomes/", f"/outcomes/?procedure={procedure}"),
    }
    result = {}
    for name, (url, smaller) in pages.items():
        figures = timed(client, url)
        figures["queries"] = queries(client, url)
        figures["queries_smaller_input"] = queries(client, smaller)
        result[name] = figures
    result["noop"] = timed(client, "/bench/noop/")
    result["sizes"] = {
        "enrollments": Enrollment.objects.count(),
        "answers": _count("followup_answer"),
        "timeline_patient_inbound": big.n,
    }
    print(json.dumps(result))


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table names
        return cursor.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
