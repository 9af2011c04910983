"""Staff enrollment form: the API's validation and errors, with a preview of the check dates.

The form posts flat fields (``patient.first_name`` ...); they are rebuilt into the API's JSON
shape and validated by the API's own serializer, so a nurse and an EHR integration get the same
rules and the same messages.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.exceptions import NotFound, ValidationError

from patients.audit import audit_record
from patients.models import AuditAction
from patients.permissions import ENROLL, clinics_with_perm, staff_required
from patients.senders import enrollment_phone_warnings

from ..api.serializers import EnrollmentCreateSerializer
from ..services.enrollments import EnrollmentConflict
from .triage import clinic_zone, patient_url, render_in_zone
from .triage_enroll_form import (
    PATIENT_FIELDS,
    TIME_ZONES,
    diary_form_fields,
    enroll_choices,
    enroll_date,
    enroll_form_fields,
    enroll_payload,
    flatten_errors,
    schedule_preview,
)

# The form's names, importable from here as before the split.
__all__ = [
    "PATIENT_FIELDS",
    "TIME_ZONES",
    "diary_form_fields",
    "enroll",
    "enroll_preview",
    "schedule_preview",
]


@require_GET
@staff_required(ENROLL)
def enroll_preview(request: HttpRequest) -> HttpResponse:
    rows = schedule_preview(
        procedure=request.GET.get("procedure", ""),
        performed_on=enroll_date(request.GET.get("performed_on", "")),
        tz_name=request.GET.get("time_zone", "America/Chicago"),
    )
    return render(request, "followup/triage/_preview.html", {"preview": rows})


@require_http_methods(["GET", "POST"])
@staff_required(ENROLL)
def enroll(request: HttpRequest) -> HttpResponse:
    choices = enroll_choices(request.user)
    post = request.POST if request.method == "POST" else None
    errors: dict[str, list[str]] = {}
    status = 200
    conflict_url = ""
    if post is not None and post.get("action") != "preview":
        serializer = EnrollmentCreateSerializer(
            data=enroll_payload(post),
            context={"clinics": clinics_with_perm(user=request.user, perm=ENROLL)},
        )
        try:
            serializer.is_valid(raise_exception=True)
            enrollment = serializer.enroll(created_by=request.user)
        except NotFound:  # another clinic's slug, or one that does not exist: the same answer
            errors, status = {"clinic": ["Clinic not found."]}, 404
        except ValidationError:
            errors, status = flatten_errors(serializer.errors), 400
        except EnrollmentConflict as conflict:
            errors = {
                "__all__": ["This patient is already enrolled for this procedure on this date."]
            }
            conflict_url = patient_url(conflict.existing.patient_id)
            status = 409
        else:
            audit_record(
                action=AuditAction.CREATE,
                request=request,
                obj=enrollment,
                patient=enrollment.patient,
                detail={"procedure": enrollment.procedure},
            )
            count = enrollment.checkpoints.count()
            messages.success(
                request, f"Enrolled for {enrollment.procedure}: {count} checks scheduled."
            )
            for warning in enrollment_phone_warnings(
                phone=enrollment.patient.phone, clinic_id=enrollment.clinic_id
            ):
                messages.warning(request, warning)
            return redirect(patient_url(enrollment.patient_id))
    preview = None
    if post is not None:
        preview = schedule_preview(
            procedure=post.get("procedure", ""),
            performed_on=enroll_date(post.get("performed_on", "")),
            tz_name=post.get("patient.time_zone", "America/Chicago"),
        )
    sections = enroll_form_fields(post, errors, choices)
    shown = {f["name"] for fields in sections.values() for f in fields}
    # Errors with no field of their own (a nested object's own error) are shown at the top.
    form_errors = [m for name, msgs in errors.items() if name not in shown for m in msgs]
    context = {
        "sections": sections,
        "form_errors": form_errors,
        "error_count": sum(len(v) for v in errors.values()),
        "conflict_url": conflict_url,
        "preview": preview,
        "has_clinics": bool(choices["clinics"]),
    }
    return render_in_zone(
        request, "followup/triage/enroll.html", context, zone=clinic_zone(request), status=status
    )
