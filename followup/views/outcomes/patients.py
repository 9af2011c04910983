"""The patient list and one enrollment's trend page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from patients.audit import audit_record
from patients.models import AuditAction
from patients.permissions import VIEW_OUTCOMES, staff_required

from ...diaries.figures import diary_figures
from ...outcomes import charts
from ...outcomes.format import duration, number, signed
from ...outcomes.mcid import MCID, RESPONDER_PERCENT
from ...questions import QUESTIONS
from ...relief.selectors import enrollment_relief
from ...selectors.outcomes import (
    cohort_enrollments,
    enrollment_list,
    enrollment_trend,
)
from .filters import (
    PAGE_SIZE,
    access_and_form,
    enrollment_or_404,
    filters_or_none,
)


@require_GET
@staff_required(VIEW_OUTCOMES)
def patient_list(request: HttpRequest) -> HttpResponse:
    access, form = access_and_form(request)
    filters = filters_or_none(form)
    context = {
        "form": form,
        "access": access,
        "query": request.GET.urlencode(),
        # The list is of enrollments: a check filter or a comparison would change nothing.
        "skip_fields": ("checkpoint", "group"),
    }
    if filters is None:
        return render(request, "followup/outcomes/patients.html", context, status=400)
    enrollments = enrollment_list(enrollments=cohort_enrollments(access=access, filters=filters))
    page = Paginator(enrollments, PAGE_SIZE).get_page(request.GET.get("page"))
    # A list of names and outcomes is a read of each patient on it (issue 20.7).
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        detail={
            "page": "outcomes_patients",
            "patient_ids": sorted({e.patient_id for e in page.object_list}),
        },
    )
    params = request.GET.copy()
    params.pop("page", None)
    context |= {"page": page, "page_query": params.urlencode()}
    return render(request, "followup/outcomes/patients.html", context)


@require_GET
@staff_required(VIEW_OUTCOMES)
def patient_trend(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = enrollment_or_404(request, pk)
    audit_record(
        action=AuditAction.VIEW,
        request=request,
        patient=enrollment.patient,
        clinic=enrollment.clinic,
        obj=enrollment,
        detail={"page": "outcomes_trend"},
    )
    trend = enrollment_trend(enrollment=enrollment)
    flags_by_check: dict[int, list] = {}
    for flag in trend.flags:
        if flag.checkpoint_id:
            flags_by_check.setdefault(flag.checkpoint_id, []).append(flag)
    rows = [_trend_row(check, flags_by_check.get(check.id, [])) for check in trend.checks]
    diary = diary_figures(enrollment_ids=[enrollment.pk]).get(enrollment.pk)
    context = {
        "enrollment": enrollment,
        "patient": enrollment.patient,
        "trend": trend,
        "rows": rows,
        "pain_chart": charts.patient_pain_chart(trend),
        # A cervical enrollment asks the NDI instead: an empty ODI chart would only be noise.
        "odi_chart": charts.patient_odi_chart(trend) if _shows_odi(trend) else "",
        "ndi_chart": charts.patient_ndi_chart(trend) if trend.has_ndi else "",
        "back_leg_chart": charts.patient_back_leg_chart(trend) if trend.has_back_leg else "",
        "latest_pain": _latest(trend.latest_pain, "pain_change"),
        "latest_odi": _latest(trend.latest_odi, "odi_change"),
        "latest_ndi": _latest(trend.latest_ndi, "ndi_change"),
        "escalations": [
            {
                "esc": e,
                "ack_after": duration(e.acknowledged_at - e.created_at)
                if e.acknowledged_at
                else "",
                "day": number(trend.day_of(e.created_at)),
            }
            for e in trend.escalations
        ],
        "flags": [{"flag": f, "day": number(trend.day_of(f.created_at))} for f in trend.flags],
        "mcid": MCID,
        "responder_percent": RESPONDER_PERCENT,
        "relief": enrollment_relief(trend=trend),
        "trial": diary.trial if diary else None,
        "blocks": diary.blocks if diary else [],
        "blocks_by_rule": list(diary.blocks_by_rule.values()) if diary else [],
        "block_series": [b.series for b in diary.blocks] if diary else [],
    }
    return render(request, "followup/outcomes/patient.html", context)


def _shows_odi(trend) -> bool:
    has_odi = trend.baseline_odi is not None or any(c.odi is not None for c in trend.checks)
    return has_odi or not trend.has_ndi


def _change_cells(change) -> dict:
    if change is None:
        return {
            "points": "\u2014",
            "percent": "\u2014",
            "mcid": None,
            "responder": None,
            "worse": None,
        }
    return {
        "points": signed(change.points),
        "percent": "\u2014" if change.percent is None else f"{signed(change.percent)} %",
        "mcid": change.mcid,
        "responder": change.responder,
        "worse": change.worse,
    }


def _choice_label(code: str, value: str | None) -> str:
    options = {o["value"]: o["en"] for o in QUESTIONS[code]["options"]}
    return "" if value is None else options.get(value, str(value))


def _pgic_cell(check) -> dict:
    """The global impression with the scale it was asked on: a 5-point answer is never shown as,
    or converted to, the standard 7-point PGIC."""
    if check.pgic7 is not None:
        return {"label": _choice_label("PGIC7", check.pgic7), "scale": "PGIC 7-point"}
    if check.pgic is not None:
        return {"label": _choice_label("PGIC", check.pgic), "scale": "earlier 5-point scale"}
    return {"label": "", "scale": ""}


def _trend_row(check, flags: list) -> dict:
    return {
        "check": check,
        "meds": _choice_label("MEDS", check.meds),
        "pgic": _pgic_cell(check),
        "day": "" if check.answered_day is None else number(check.answered_day),
        "pain": _change_cells(check.pain_change),
        "odi": _change_cells(check.odi_change),
        "ndi": _change_cells(check.ndi_change),
        "back": _change_cells(check.back_change),
        "leg": _change_cells(check.leg_change),
        "flags": flags,
    }


def _latest(check, attr: str) -> dict | None:
    if check is None:
        return None
    change = getattr(check, attr)
    return {
        "check": check,
        **_change_cells(change),
        "value": change.value,
        "baseline": change.baseline,
    }


# --- exports ----------------------------------------------------------------------------------------
