"""The triage queue, the patient timeline, and the actions on an escalation.

Views stay thin: scoped reads come from :mod:`followup.selectors.triage`, writes from
:mod:`followup.services.escalations`. Every page that shows a patient, and every action, writes
an audit row. Another clinic's patient or escalation is a 404, as if it did not exist.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from patients.audit import audit_record
from patients.models import AuditAction, Patient
from patients.permissions import (
    ACT_ON_ESCALATION,
    is_background,
    require_clinic_perm,
    staff_required,
)

from ..models import Escalation, EscalationStatus, Outcome
from ..selectors import triage as selectors
from ..services.escalations import escalation_acknowledge, escalation_assign, escalation_resolve
from ..services.text_labels import text_labels_for
from ..tiers import TIER_ORDER
from ..timeline import timeline_add
from .triage_scripts import callback_script

NOTE_LIMIT = 2000


# --- helpers ------------------------------------------------------------------------------------
def clinic_zone(request: HttpRequest, clinic=None) -> zoneinfo.ZoneInfo:
    """Staff read times in their clinic's zone (the first of theirs when none is given)."""
    if clinic is None:
        clinic = selectors.visible_clinics(user=request.user).order_by("pk").first()
    return zoneinfo.ZoneInfo(clinic.time_zone if clinic is not None else "UTC")


def render_in_zone(
    request: HttpRequest, template: str, context: dict, *, zone, status: int = 200
) -> HttpResponse:
    """Render with ``zone`` as the current time zone (restored afterwards: threads are reused)."""
    with timezone.override(zone):
        return render(request, template, {**context, "zone_name": str(zone)}, status=status)


def triage_scoped(request: HttpRequest, getter, object_type: str, pk: int):
    """Fetch through a scoped selector; a miss is audited as a denied lookup, then 404."""
    try:
        return getter(user=request.user, pk=pk)
    except Http404:
        audit_record(
            action=AuditAction.DENIED,
            request=request,
            object_type=object_type,
            object_id=pk,
            status_code=404,
        )
        raise


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _who(user) -> str:
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def patient_url(patient: Patient | int, anchor: str = "") -> str:
    pk = patient if isinstance(patient, int) else patient.pk
    url = reverse("triage-patient", args=[pk])
    return f"{url}#{anchor}" if anchor else url


# --- queue -------------------------------------------------------------------------------------
@require_GET
@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    return redirect("triage-queue")


def _queue_context(request: HttpRequest) -> dict:
    filters = selectors.QueueFilters.from_params(request.GET)
    rows = selectors.triage_queue(user=request.user, filters=filters)
    query = filters.as_query()
    return {
        "queue_url": reverse("triage-queue") + (f"?{query}" if query else ""),
        "filters": filters,
        "rows": rows,
        "signature": selectors.queue_signature(rows),
        "counts": {tier: sum(1 for r in rows if r.tier == tier) for tier in TIER_ORDER},
        "now": timezone.now(),
    }


@require_GET
@staff_required()
def queue(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request)
    context["choices"] = selectors.queue_choices(user=request.user)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="queue",
        detail={"escalations": [r.escalation.pk for r in context["rows"]][:200]},
    )
    return render_in_zone(request, "followup/triage/queue.html", context, zone=clinic_zone(request))


@require_GET
@staff_required()
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The queue's rows for the background refresh; 204 when nothing changed since ``sig``."""
    context = _queue_context(request)
    if request.GET.get("sig") == context["signature"]:
        return HttpResponse(status=204)
    # New patients appeared on screen: that is a view of their records.
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        object_type="queue",
        detail={
            "escalations": [r.escalation.pk for r in context["rows"]][:200],
            "refresh": is_background(request),
        },
    )
    response = render_in_zone(
        request, "followup/triage/_queue_rows.html", context, zone=clinic_zone(request)
    )
    response["X-Queue-Signature"] = context["signature"]
    response["X-Queue-Count"] = str(len(context["rows"]))
    response["X-Queue-Tiers"] = ";".join(
        f"{tier}={count}" for tier, count in context["counts"].items()
    )
    response["Cache-Control"] = "no-store"
    return response


# --- escalation link (from pages) and actions ---------------------------------------------------
@require_GET
@staff_required()
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The login link in a page SMS/email: straight to the patient's call-back panel."""
    escalation = triage_scoped(request, selectors.escalation_get, "escalation", pk)
    audit_record(
        action=AuditAction.VIEW, request=request, obj=escalation, patient=escalation.patient
    )
    return redirect(patient_url(escalation.patient_id, f"escalation-{escalation.pk}"))


def _acting_on(request: HttpRequest, pk: int) -> Escalation:
    escalation = triage_scoped(request, selectors.escalation_get, "escalation", pk)
    require_clinic_perm(request.user, ACT_ON_ESCALATION, escalation.clinic_id)
    return escalation


@require_POST
@staff_required(ACT_ON_ESCALATION)
def escalation_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _acting_on(request, pk)
    fallback = patient_url(escalation.patient_id, f"escalation-{pk}")
    if escalation.status == EscalationStatus.RESOLVED:
        messages.error(request, f"Flag {escalation.code} is already resolved.")
        return redirect(_next_url(request, fallback))
    won = escalation_acknowledge(escalation=escalation, user=request.user, via="web")
    escalation.refresh_from_db()
    audit_record(
        action=AuditAction.ACKNOWLEDGE,
        request=request,
        obj=escalation,
        patient=escalation.patient,
        detail={"won": won, "code": escalation.code},
    )
    if won:
        messages.success(
            request, f"You acknowledged {escalation.tier} flag {escalation.code}: it is yours."
        )
    else:
        at = (
            escalation.acknowledged_at.astimezone(clinic_zone(request, escalation.clinic)).strftime(
                "%H:%M"
            )
            if escalation.acknowledged_at
            else ""
        )
        messages.warning(
            request,
            f"{_who(escalation.acknowledged_by)} already acknowledged flag {escalation.code}"
            + (f" at {at}" if at else "")
            + ". Nothing was changed; open the patient to coordinate.",
        )
    return redirect(_next_url(request, fallback))


@require_POST
@staff_required(ACT_ON_ESCALATION)
def escalation_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _acting_on(request, pk)
    fallback = patient_url(escalation.patient_id, f"escalation-{pk}")
    try:
        escalation_assign(escalation=escalation, user=request.user, actor=request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(_next_url(request, fallback))
    audit_record(
        action=AuditAction.ASSIGN,
        request=request,
        obj=escalation,
        patient=escalation.patient,
        detail={"owner": request.user.pk, "code": escalation.code},
    )
    messages.success(request, f"Flag {escalation.code} is assigned to you.")
    return redirect(_next_url(request, fallback))


@require_POST
@staff_required(ACT_ON_ESCALATION)
def escalation_note_view(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _acting_on(request, pk)
    note = request.POST.get("note", "").strip()
    if not note:
        return _timeline_response(
            request,
            escalation.patient,
            status=400,
            errors={pk: {"note": ["Write the note first."]}},
        )
    note = note[:NOTE_LIMIT]
    timeline_add(
        patient=escalation.patient,
        enrollment=escalation.enrollment,
        escalation=escalation,
        kind="note",
        summary=f"Note on {escalation.code} by {_who(request.user)}",
        actor=request.user,
        data={"note": note},
    )
    audit_record(
        action=AuditAction.NOTE,
        request=request,
        obj=escalation,
        patient=escalation.patient,
        detail={"code": escalation.code, "length": len(note)},
    )
    messages.success(request, "Note added.")
    return redirect(patient_url(escalation.patient_id, f"escalation-{pk}"))


@require_POST
@staff_required(ACT_ON_ESCALATION)
def escalation_resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = _acting_on(request, pk)
    outcome = request.POST.get("outcome", "")
    note = request.POST.get("note", "")
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = ["Choose what happened."]
    if not note.strip():
        errors["note"] = ["Say what was done and what the patient was told."]
    if not errors:
        try:
            escalation = escalation_resolve(
                escalation=escalation, user=request.user, outcome=outcome, note=note[:NOTE_LIMIT]
            )
        except ValueError as exc:
            # Someone else closed it meanwhile: nothing to correct in the form, so say so.
            messages.error(request, str(exc))
            return redirect(patient_url(escalation.patient_id, f"escalation-{pk}"))
    if errors:
        return _timeline_response(
            request,
            escalation.patient,
            status=400,
            errors={pk: errors},
            posted={pk: {"outcome": outcome, "note": note}},
        )
    audit_record(
        action=AuditAction.RESOLVE,
        request=request,
        obj=escalation,
        patient=escalation.patient,
        detail={"code": escalation.code, "outcome": outcome},
    )
    messages.success(request, f"Flag {escalation.code} resolved: {Outcome(outcome).label}.")
    return redirect(_next_url(request, patient_url(escalation.patient_id, f"escalation-{pk}")))


# --- patient ------------------------------------------------------------------------------------
@require_GET
@staff_required()
def patient_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    results = []
    if query:
        from django.db.models import Q

        results = list(
            selectors.patients_visible(user=request.user)
            .filter(
                Q(mrn__iexact=query)
                | Q(last_name__istartswith=query)
                | Q(first_name__istartswith=query)
                | Q(phone__endswith=query.replace(" ", ""))
            )
            .select_related("clinic")
            .order_by("last_name", "first_name")[:50]
        )
        # The query is not stored (it may be a name); the records it listed are.
        audit_record(
            action=AuditAction.VIEW,
            request=request,
            object_type="patient_search",
            detail={"patients": [p.pk for p in results]},
        )
    return render(
        request, "followup/triage/patient_search.html", {"query": query, "results": results}
    )


def _timeline_response(
    request: HttpRequest,
    patient: Patient,
    *,
    status: int = 200,
    errors: dict | None = None,
    posted: dict | None = None,
) -> HttpResponse:
    timeline = selectors.patient_timeline(patient=patient)
    labels = text_labels_for(patient)  # issue 21 item 4: staff's true tier of each text
    for item in timeline.feed:
        item.label = labels.get(item.inbound_id, "") if item.inbound_id else ""
    for view in timeline.unresolved + timeline.resolved:
        escalation = view.escalation
        rule = view.flags[-1].rule_code if view.flags else escalation.kind
        physician = escalation.enrollment.physician if escalation.enrollment_id else None
        view.script = callback_script(
            clinic=patient.clinic,
            tier=escalation.tier,
            rule_code=rule,
            physician_name=_who(physician) if physician else "",
        )
        view.errors = (errors or {}).get(escalation.pk, {})
        view.posted = (posted or {}).get(escalation.pk, {})
        view.can_act = escalation.status != EscalationStatus.RESOLVED
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        patient=patient,
        obj=patient,
        status_code=status if status != 200 else None,
    )
    context = {
        "patient": patient,
        "timeline": timeline,
        "outcomes": Outcome.choices,
        "can_act": _can_act(request.user, patient),
        "now": timezone.now(),
        # (value, button): "NONE" is shown as "Benign" (no text on the page reads "None").
        "label_tiers": (
            ("EMERGENCY", "Emergency"),
            ("URGENT", "Urgent"),
            ("ROUTINE", "Routine"),
            ("NONE", "Benign"),
        ),
    }
    return render_in_zone(
        request,
        "followup/triage/patient.html",
        context,
        zone=clinic_zone(request, patient.clinic),
        status=status,
    )


def _can_act(user, patient: Patient) -> bool:
    from patients.permissions import user_has_clinic_perm

    return user_has_clinic_perm(user, ACT_ON_ESCALATION, patient.clinic_id)


@require_GET
@staff_required()
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = triage_scoped(request, selectors.patient_get, "patient", pk)
    return _timeline_response(request, patient)
