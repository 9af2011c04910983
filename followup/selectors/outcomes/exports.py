"""Rows behind the CSV and FHIR exports, read in a constant number of queries."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery

from ...models import Checkpoint, Enrollment, Flag
from ...tiers import tier_rank_expression
from .expressions import with_choice_answers, with_outcomes

EXPORT_FIELDS = (
    "enrollment_id",
    "enrollment__patient_id",
    "enrollment__patient__mrn",
    "enrollment__clinic__slug",
    "enrollment__procedure",
    "enrollment__physician__username",
    "enrollment__physician__first_name",
    "enrollment__physician__last_name",
    "enrollment__performed_on",
    "enrollment__patient__time_zone",
    "enrollment__status",
    "key",
    "target_date",
    "status",
    "completed_at",
    "base_pain",
    "base_odi",
    "nrs_now",
    "nrs_avg",
    "vas",
    "odi",
    "pain",
    "pain_at",
    "nrs_change",
    "nrs_change_pct",
    "nrs_mcid",
    "nrs_responder",
    "nrs_worse",
    "odi_change",
    "odi_change_pct",
    "odi_mcid",
    "odi_worse",
    "base_ndi",
    "ndi",
    "ndi_change",
    "ndi_change_pct",
    "ndi_mcid",
    "ndi_worse",
    "base_back",
    "pain_back",
    "back_change",
    "back_change_pct",
    "back_mcid",
    "back_worse",
    "base_leg",
    "pain_leg",
    "leg_change",
    "leg_change_pct",
    "leg_mcid",
    "leg_worse",
    "responded",
    "meds",
    "pgic",
    "pgic7",
    "flag_count",
    "top_tier",
)


def cohort_export_rows(
    *, checkpoints: QuerySet[Checkpoint], free_text: bool = False
) -> Iterator[dict]:
    """One dict per patient-checkpoint, streamed from one query (server-side cursor)."""
    flags = Flag.objects.filter(checkpoint=OuterRef("pk")).order_by()
    qs = (
        with_choice_answers(with_outcomes(checkpoints), free_text=free_text)
        .annotate(
            flag_count=Subquery(
                flags.values("checkpoint").annotate(c=Count("pk")).values("c")[:1],
                output_field=IntegerField(),
            ),
            top_tier=Subquery(
                flags.annotate(rank=tier_rank_expression()).order_by("rank").values("tier")[:1]
            ),
        )
        .order_by("enrollment__performed_on", "enrollment_id", "target_date", "pk")
    )
    fields = (*EXPORT_FIELDS, "anything_else") if free_text else EXPORT_FIELDS
    return qs.values(*fields).iterator(chunk_size=500)


def enrollment_fhir_data(*, enrollment: Enrollment) -> list[Checkpoint]:
    """Checks of one enrollment with their answers and scores prefetched (three queries)."""
    return list(
        Checkpoint.objects.filter(enrollment=enrollment)
        .prefetch_related("answers", "scores")
        .order_by("target_date", "pk")
    )
