"""The sweep step that fires the pages that are due."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from ...models import Escalation, EscalationStatus
from .pages import chain_run


def escalations_repage_due(*, now: dt.datetime) -> dict:
    """Sweep step: fire the chain steps that are due, claiming rows with SKIP LOCKED in batches."""
    repaged = 0
    pages = 0
    batch = settings.SWEEP_BATCH_SIZE
    while True:
        with transaction.atomic():
            rows = list(
                Escalation.objects.filter(status=EscalationStatus.OPEN, next_page_at__lte=now)
                .order_by("next_page_at")
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("clinic", "patient", "enrollment")[:batch]
            )
            for escalation in rows:
                pages += chain_run(escalation, now=now)
                repaged += 1
        if len(rows) < batch:
            break
    return {"escalations_repaged": repaged, "escalation_pages": pages}
