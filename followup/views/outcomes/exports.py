"""The CSV and FHIR exports, audited before anything is sent."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from patients.audit import audit_record
from patients.models import AuditAction, Clinic
from patients.permissions import VIEW_OUTCOMES, staff_required

from ...diaries.figures import diary_figures
from ...exports.csv import csv_columns, csv_lines
from ...exports.fhir import enrollment_bundle
from ...exports.relief import with_relief_figures
from ...selectors.outcomes import (
    cohort_checkpoints,
    cohort_enrollments,
    cohort_export_rows,
    enrollment_fhir_data,
)
from .filters import (
    access_and_form,
    audit_filters,
    enrollment_or_404,
    filters_or_none,
)


@require_GET
@staff_required(VIEW_OUTCOMES)
def cohort_csv(request: HttpRequest) -> HttpResponse:
    """One row per patient-checkpoint; ``free_text=1`` adds the free-text answer column and
    ``identifiers=1`` the MRN. Without them the file carries no name, MRN or free text."""
    access, form = access_and_form(request)
    filters = filters_or_none(form)
    if filters is None:
        return HttpResponse(
            "Invalid filters: " + json.dumps(form.errors.get_json_data()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    free_text = request.GET.get("free_text") == "1"
    identifiers = request.GET.get("identifiers") == "1"
    enrollments = cohort_enrollments(access=access, filters=filters)
    checkpoints = cohort_checkpoints(enrollments=enrollments, filters=filters)
    count = checkpoints.count()
    # One event per clinic whose records may be in the file, so each clinic's audit log shows it.
    clinic_ids = [filters.clinic_id] if filters.clinic_id else sorted(access.clinic_ids)
    for clinic in Clinic.objects.filter(pk__in=clinic_ids):
        audit_record(
            action=AuditAction.EXPORT,
            request=request,
            clinic=clinic,
            object_type="outcomes_csv",
            detail={
                "format": "csv",
                "rows": count,
                "free_text": free_text,
                "identifiers": identifiers,
                "filters": audit_filters(filters),
            },
        )
    rows = with_relief_figures(
        cohort_export_rows(checkpoints=checkpoints, free_text=free_text),
        diaries=diary_figures(enrollment_ids=checkpoints.values("enrollment_id")),
    )
    columns = csv_columns(free_text=free_text, identifiers=identifiers)
    response = StreamingHttpResponse(
        csv_lines(rows, columns=columns), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="outcomes-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_required(VIEW_OUTCOMES)
def enrollment_fhir(request: HttpRequest, pk: int) -> HttpResponse:
    """FHIR R4 Bundle (collection) of one enrollment; ``free_text=1`` keeps free-text answers."""
    enrollment = enrollment_or_404(request, pk)
    free_text = request.GET.get("free_text") == "1"
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        patient=enrollment.patient,
        clinic=enrollment.clinic,
        obj=enrollment,
        detail={"format": "fhir-r4", "free_text": free_text},
    )
    bundle = enrollment_bundle(
        enrollment=enrollment,
        checkpoints=enrollment_fhir_data(enrollment=enrollment),
        free_text=free_text,
        diary=diary_figures(enrollment_ids=[enrollment.pk]).get(enrollment.pk),
    )
    response = JsonResponse(
        bundle, content_type="application/fhir+json", json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="enrollment-{enrollment.pk}.fhir.json"'
    response["Cache-Control"] = "no-store"
    return response
