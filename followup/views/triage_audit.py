"""The audit log for clinic admins: browse with filters, export as CSV (the export is audited)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET

from patients.audit import audit_csv_lines, audit_events_visible_to, audit_filter, audit_record
from patients.models import AuditAction
from patients.permissions import EXPORT_AUDIT, VIEW_AUDIT, staff_required

from .triage import clinic_zone, render_in_zone

PAGE_SIZE = 100


def _filters(request: HttpRequest) -> dict:
    def date(name):
        try:
            return parse_date(request.GET.get(name, "").strip())
        except ValueError:
            return None

    patient = request.GET.get("patient", "").strip()
    action = request.GET.get("action", "")
    return {
        "action": action if action in AuditAction.values else "",
        "username": request.GET.get("user", "").strip()[:150],
        "patient_id": int(patient) if patient.isdigit() else None,
        "since": date("since"),
        "until": date("until"),
    }


@require_GET
@staff_required(VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    events = audit_filter(audit_events_visible_to(user=request.user), **filters).order_by(
        "-at", "-id"
    )
    # Recorded first: the page then shows its own viewing, and its count matches its rows.
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="audit_log",
        detail={k: str(v) for k, v in filters.items() if v},
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_in_zone(
        request,
        "followup/triage/audit.html",
        {
            "page": page,
            "filters": filters,
            "actions": AuditAction.choices,
            "query": query.urlencode(),
        },
        zone=clinic_zone(request),
    )


@require_GET
@staff_required(EXPORT_AUDIT)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    filters = _filters(request)
    events = audit_filter(audit_events_visible_to(user=request.user), **filters).order_by(
        "at", "id"
    )
    # Recorded before streaming, so the export shows up in the log it exports.
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        object_type="audit_log",
        detail={k: str(v) for k, v in filters.items() if v},
    )
    response = StreamingHttpResponse(
        audit_csv_lines(events.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response["Cache-Control"] = "no-store"
    return response
