"""Worklists: patients to phone (missed checks, unreachable, opted out, unanswered questions),
with each call's outcome recorded; and their CSV export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from patients.audit import audit_record, csv_cell
from patients.models import AuditAction
from patients.permissions import (
    VIEW_WORKLIST,
    WORK_WORKLIST,
    require_clinic_perm,
    staff_required,
    user_has_clinic_perm,
)

from ..models.worklists import CallOutcome, Worklist, WorklistCall
from ..selectors import triage as selectors
from .triage import clinic_zone, render_in_zone

NOTE_LIMIT = 500


def _worklist(name: str) -> str:
    if name not in Worklist.values:
        raise Http404("No such worklist.")
    return name


@require_GET
@staff_required(VIEW_WORKLIST)
def worklists_home(request: HttpRequest) -> HttpResponse:
    return redirect("triage-worklist", worklist=Worklist.MISSED)


@require_GET
@staff_required(VIEW_WORKLIST)
def worklist(request: HttpRequest, worklist: str) -> HttpResponse:
    name = _worklist(worklist)
    include_done = request.GET.get("done") == "1"
    items = selectors.worklist_items(user=request.user, worklist=name, include_done=include_done)
    for item in items:
        item.can_call = user_has_clinic_perm(request.user, WORK_WORKLIST, item.patient.clinic_id)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="worklist",
        object_id=name,
        detail={"patients": sorted({i.patient.pk for i in items})[:500]},
    )
    tabs = [
        (
            value,
            selectors.WORKLIST_TITLES[value],
            len(selectors.worklist_items(user=request.user, worklist=value)),
        )
        for value in Worklist.values
    ]
    return render_in_zone(
        request,
        "followup/triage/worklists.html",
        {
            "worklist": name,
            "worklist_label": selectors.WORKLIST_TITLES[name],
            "tabs": tabs,
            "items": items,
            "include_done": include_done,
            "outcomes": CallOutcome.choices,
        },
        zone=clinic_zone(request),
    )


@require_POST
@staff_required(WORK_WORKLIST)
def worklist_call(request: HttpRequest, worklist: str) -> HttpResponse:
    name = _worklist(worklist)
    key = request.POST.get("item", "")
    try:
        item = selectors.worklist_item_get(user=request.user, worklist=name, key=key)
    except Http404:
        audit_record(
            action=AuditAction.DENIED,
            request=request,
            object_type="worklist_item",
            object_id=key[:40],
            status_code=404,
        )
        raise
    require_clinic_perm(request.user, WORK_WORKLIST, item.patient.clinic_id)
    outcome = request.POST.get("outcome", "")
    back = reverse("triage-worklist", kwargs={"worklist": name})
    if outcome not in CallOutcome.values:
        messages.error(request, "Choose the call's outcome: called, left message or reached.")
        return redirect(back)
    call = WorklistCall.objects.create(
        clinic_id=item.patient.clinic_id,
        patient=item.patient,
        worklist=name,
        item_key=item.key,
        outcome=outcome,
        note=request.POST.get("note", "").strip()[:NOTE_LIMIT],
        called_by=request.user,
        called_at=timezone.now(),
    )
    from ..timeline import timeline_add

    timeline_add(
        patient=item.patient,
        enrollment=item.enrollment,
        kind="worklist_call",
        summary=f"{selectors.WORKLIST_TITLES[name]}: {call.get_outcome_display()} "
        f"({request.user.get_full_name() or request.user.get_username()})",
        actor=request.user,
        data={"worklist": name, "item": item.key, "outcome": outcome, "note": call.note},
        at=call.called_at,
    )
    audit_record(
        action=AuditAction.CALL,
        request=request,
        obj=call,
        patient=item.patient,
        detail={"worklist": name, "item": item.key, "outcome": outcome},
    )
    messages.success(request, f"Recorded: {call.get_outcome_display()}.")
    return redirect(back)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@staff_required(VIEW_WORKLIST)
def worklist_export(request: HttpRequest, worklist: str) -> StreamingHttpResponse:
    """CSV of one worklist, for a phone session away from the screen. Audited with its patients."""
    name = _worklist(worklist)
    items = selectors.worklist_items(user=request.user, worklist=name)
    audit_record(
        action=AuditAction.EXPORT,
        request=request,
        object_type="worklist",
        object_id=name,
        detail={"patients": sorted({i.patient.pk for i in items})[:1000], "rows": len(items)},
    )
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(
            [
                "patient_id",
                "mrn",
                "name",
                "phone",
                "what",
                "detail",
                "since",
                "calls",
                "last_outcome",
            ]
        )
        for item in items:
            last = item.last_call
            yield writer.writerow(
                [
                    csv_cell(v)
                    for v in (
                        item.patient.pk,
                        item.patient.mrn,
                        item.patient.full_name,
                        item.patient.phone,
                        item.what,
                        item.detail,
                        item.since.isoformat() if item.since else "",
                        len(item.calls),
                        last.get_outcome_display() if last else "",
                    )
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="worklist-{name}.csv"'
    response["Cache-Control"] = "no-store"
    return response
