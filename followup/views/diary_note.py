"""The diagnostic block's chart note as a plain-text download (``block_note``: no identifiers),
for the clinic to file with the ablation request. Same access as the patient's outcome page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from patients.audit import audit_record
from patients.models import AuditAction
from patients.permissions import VIEW_OUTCOMES, staff_required

from ..diaries.services import diary_block_assessment
from ..models import DiaryEntry, Enrollment
from ..relief.rules import RELIEF_RULES
from ..selectors.outcomes import enrollment_for_outcomes, outcome_access


@require_GET
@staff_required(VIEW_OUTCOMES)
def block_note(request: HttpRequest, pk: int, series: int) -> HttpResponse:
    """``?rule=MBB_ASRA`` reads the diary against another diagnostic-block rule (default Medicare)."""
    try:
        enrollment = enrollment_for_outcomes(
            access=outcome_access(user=request.user), enrollment_id=pk
        )
    except Enrollment.DoesNotExist:
        raise Http404("No such enrollment") from None
    rule = request.GET.get("rule", "MBB_MEDICARE")
    if rule not in RELIEF_RULES or RELIEF_RULES[rule].duration != "anaesthetic":
        raise Http404("No such diagnostic-block rule")
    try:
        _assessment, note = diary_block_assessment(
            enrollment=enrollment, series=series, rule_code=rule
        )
    except DiaryEntry.DoesNotExist:
        raise Http404("No block diary") from None
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        patient=enrollment.patient,
        clinic=enrollment.clinic,
        obj=enrollment,
        detail={"format": "block-note", "series": series, "rule": rule},
    )
    response = HttpResponse(note, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="enrollment-{enrollment.pk}-block-{series}.txt"'
    )
    response["Cache-Control"] = "no-store"
    return response
