"""One-click labelling of a patient text's true tier on the timeline (issue 21 item 4)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from patients.permissions import staff_required

from ..selectors import triage as selectors
from ..services.text_labels import BadLabel, text_label_set
from .triage import patient_url, triage_scoped


@require_POST
@staff_required()
def text_label_view(request: HttpRequest, pk: int, inbound_id: int) -> HttpResponse:
    patient = triage_scoped(request, selectors.patient_get, "patient", pk)
    try:
        text_label_set(
            patient=patient,
            inbound_id=inbound_id,
            tier=request.POST.get("tier", ""),
            user=request.user,
            request=request,
        )
    except BadLabel:
        return HttpResponseBadRequest("Choose EMERGENCY, URGENT, ROUTINE or NONE.")
    return redirect(patient_url(patient, f"text-{inbound_id}"))
