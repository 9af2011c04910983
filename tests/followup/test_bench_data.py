"""``manage.py bench_data`` (body in followup.bench_data): small runs make consistent rows."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from followup.models import Checkpoint, Enrollment, Escalation
from notifications.models import InboundMessage

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY needs PostgreSQL"),
]


def test_a_small_network_is_generated_and_summarised():
    out = io.StringIO()
    call_command(
        "bench_data", "30", "--due", "4", "--answers", "300", "--open-escalations", "2", stdout=out
    )
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    for model in (Enrollment, Checkpoint, InboundMessage, Escalation):
        assert model.objects.count() == summary[model._meta.db_table], model.__name__
    assert summary[Enrollment._meta.db_table] == 30
    assert summary[Checkpoint._meta.db_table] > 30 and summary[InboundMessage._meta.db_table] > 0
    assert Escalation.objects.filter(resolved_at__isnull=True).exists()
    assert summary["user"] == "bench-admin" and summary["as_of"] and summary["idle_as_of"]


def test_bad_arguments_and_a_used_database_are_refused():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("bench_data", "0")
    with pytest.raises(CommandError, match="cannot exceed"):
        call_command("bench_data", "3", "--due", "5")
    call_command("bench_data", "3", stdout=io.StringIO())
    with pytest.raises(CommandError, match="already has enrollments"):
        call_command("bench_data", "3", stdout=io.StringIO())
