"""Physician outcome pages: cohort dashboard, patient list, patient trend, CSV and FHIR exports.

Thin views: parse the filters, ask ``followup.selectors.outcomes``, hand the results to the
templates and the chart builders. Scope decides visibility (``outcome_access``): an enrollment
or clinic outside it is a 404, as for the rest of the staff pages. Exports and patient views are
written to the audit log before anything is sent.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from patients.audit import audit_record
from patients.models import AuditAction, Clinic, Role
from patients.permissions import VIEW_OUTCOMES, staff_required

from ..diaries.services import diary_block_series, diary_scs_summary
from ..exports.csv import csv_columns, csv_lines
from ..exports.fhir import enrollment_bundle
from ..models import Enrollment
from ..outcomes import charts
from ..outcomes.format import duration, number, percent, signed
from ..outcomes.literature import SMALL_N
from ..outcomes.mcid import MCID, RESPONDER_PERCENT
from ..outcomes.timeline import checkpoint_days, checkpoint_label, procedure_names
from ..questions import QUESTIONS
from ..relief.selectors import enrollment_relief
from ..selectors.outcomes import (
    CohortFilters,
    OutcomeAccess,
    cohort_checkpoints,
    cohort_enrollments,
    cohort_export_rows,
    enrollment_fhir_data,
    enrollment_for_outcomes,
    enrollment_list,
    enrollment_trend,
    outcome_access,
)
from ..selectors.outcomes.cached import cohort_figures, figures_stale

PAGE_SIZE = 50


# --- filters ----------------------------------------------------------------------------------
class CohortFilterForm(forms.Form):
    procedure = forms.ChoiceField(required=False)
    physician = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    clinic = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    performed_from = forms.DateField(
        required=False, label="Procedure from", widget=forms.DateInput(attrs={"type": "date"})
    )
    performed_to = forms.DateField(
        required=False, label="Procedure to", widget=forms.DateInput(attrs={"type": "date"})
    )
    checkpoint = forms.ChoiceField(required=False, label="Check")
    withdrawn = forms.ChoiceField(
        required=False,
        label="Withdrawn patients",
        choices=[("include", "Included"), ("exclude", "Excluded")],
    )
    group = forms.ChoiceField(
        required=False,
        label="Compare",
        choices=[
            ("", "Whole cohort"),
            ("procedure", "By procedure"),
            ("physician", "By physician"),
        ],
    )

    def __init__(self, *args, access: OutcomeAccess, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = procedure_names()
        self.fields["procedure"].choices = [("", "All procedures")] + [
            (code, f"{code} - {name}") for code, name in names.items()
        ]
        keys = sorted(checkpoint_days(), key=lambda k: checkpoint_days()[k])
        self.fields["checkpoint"].choices = [("", "All checks")] + [
            (k, f"{k} - {checkpoint_label(k)}") for k in keys
        ]
        self.fields["clinic"].choices = [("", "All my clinics")] + [
            (c.pk, c.name) for c in Clinic.objects.filter(pk__in=access.clinic_ids).order_by("name")
        ]
        self.fields["physician"].choices = [("", "All physicians")] + _physician_choices(access)

    def filters(self) -> CohortFilters:
        data = self.cleaned_data
        return CohortFilters(
            procedure=data.get("procedure") or "",
            physician_id=data.get("physician"),
            clinic_id=data.get("clinic"),
            performed_from=data.get("performed_from"),
            performed_to=data.get("performed_to"),
            checkpoint=data.get("checkpoint") or "",
            include_withdrawn=data.get("withdrawn") != "exclude",
            group=data.get("group") or "",
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("performed_from"), data.get("performed_to")
        if start and end and start > end:
            raise forms.ValidationError("The procedure date range ends before it starts.")
        return data


def _physician_choices(access: OutcomeAccess) -> list[tuple[int, str]]:
    users = get_user_model().objects.filter(
        memberships__clinic_id__in=access.clinic_wide,
        memberships__role=Role.PHYSICIAN,
        memberships__is_active=True,
    )
    if access.own_only:
        users = users | get_user_model().objects.filter(pk=access.user_id)
    return [
        (u.pk, u.get_full_name() or u.get_username())
        for u in users.distinct().order_by("last_name", "first_name", "username")
    ]


def _access_and_form(request: HttpRequest) -> tuple[OutcomeAccess, CohortFilterForm]:
    access = outcome_access(user=request.user)
    clinic = request.GET.get("clinic")
    # A clinic the user does not belong to is not "no results": its existence stays hidden.
    if clinic and (not clinic.isdigit() or not access.sees_clinic(int(clinic))):
        raise Http404("No such clinic")
    return access, CohortFilterForm(request.GET or None, access=access)


def _filters_or_none(form: CohortFilterForm) -> CohortFilters | None:
    if not form.is_bound:
        return CohortFilters()
    if not form.is_valid():
        return None
    return form.filters()


def _audit_filters(filters: CohortFilters) -> dict:
    """Filter values for the audit row: codes, ids and dates only."""
    return {
        "procedure": filters.procedure,
        "physician_id": filters.physician_id,
        "clinic_id": filters.clinic_id,
        "performed_from": filters.performed_from.isoformat() if filters.performed_from else None,
        "performed_to": filters.performed_to.isoformat() if filters.performed_to else None,
        "checkpoint": filters.checkpoint,
        "include_withdrawn": filters.include_withdrawn,
    }


# --- cohort dashboard -----------------------------------------------------------------------------
@require_GET
@staff_required(VIEW_OUTCOMES)
def cohort_dashboard(request: HttpRequest) -> HttpResponse:
    access, form = _access_and_form(request)
    filters = _filters_or_none(form)
    context = {
        "form": form,
        "access": access,
        "query": request.GET.urlencode(),
        "mcid": MCID,
        "responder_percent": RESPONDER_PERCENT,
        "small_n": SMALL_N,
    }
    if filters is None:
        return render(request, "followup/outcomes/cohort.html", context, status=400)
    # Whole-cohort aggregates, kept for OUTCOMES_CACHE_SECONDS and shown older while new ones are
    # computed (see selectors/outcomes/cached).
    figures = cohort_figures(access=access, filters=filters)
    summary, groups, choices, safety = (
        figures.summary,
        figures.groups,
        figures.choices,
        figures.safety,
    )
    chart_groups = [("Cohort", summary)] if not groups else [("All", summary), *groups.items()]
    context |= {
        "filters": filters,
        "summary": [_summary_row(s) for s in summary],
        "groups": [(name, [_summary_row(s) for s in rows]) for name, rows in groups.items()],
        "pain_chart": charts.cohort_change_chart(
            chart_id="cohort-pain-chart", measure="NRS", summaries_by_group=chart_groups
        ),
        "odi_chart": charts.cohort_change_chart(
            chart_id="cohort-odi-chart", measure="ODI", summaries_by_group=chart_groups
        ),
        "choice_rows": [_choice_row(t) for t in choices],
        "meds_chart": charts.medication_chart(choices),
        "safety": safety,
        "safety_rows": _safety_rows(safety),
        "literature": figures.literature,
        "enrollment_count": safety.overall.enrollments if safety.overall else 0,
        "figures_age": duration(timezone.now() - figures.computed_at),
        "figures_kept_minutes": settings.OUTCOMES_CACHE_SECONDS // 60,
        "figures_stale": figures_stale(figures),
    }
    return render(request, "followup/outcomes/cohort.html", context)


def _measure_row(m, *, responder: bool) -> dict:
    ci = m.ci_1dp
    return {
        "scored": m.scored,
        "n": m.n,
        "without_baseline": m.without_baseline,
        "mean": signed(m.mean),
        "median": signed(m.median),
        "ci": f"{signed(ci[0])} to {signed(ci[1])}" if ci else "\u2014",
        "mcid": f"{m.mcid}/{m.n}",
        "mcid_share": percent(m.mcid_share),
        "responders": f"{m.responders}/{m.n}" if responder else "",
        "responder_share": percent(m.responder_share) if responder else "",
        "worse": f"{m.worse}/{m.n}",
        "worse_share": percent(m.worse_share),
        "value_mean": number(m.value_mean),
        "small": m.n < SMALL_N,
    }


def _summary_row(s) -> dict:
    return {
        "key": s.key,
        "label": s.label,
        "enrollments": s.enrollments,
        "due": s.due,
        "responded": s.responded,
        "response_rate": percent(s.response_rate),
        "open": s.open,
        "missed": s.missed,
        "not_yet_due": s.not_yet_due,
        "not_sent": s.not_sent,
        "vas_scored": s.vas_scored,
        "pain": _measure_row(s.pain, responder=True),
        "odi": _measure_row(s.odi, responder=False),
    }


def _choice_row(trend) -> dict:
    return {
        "key": trend.key,
        "label": trend.label,
        "meds": [
            {"value": v, "count": trend.meds.get(v, 0), "share": percent(trend.meds_share(v))}
            for v in ("none", "less", "same", "more")
        ],
        "pgic_better": percent(trend.pgic_better_share),
        "pgic_total": trend.pgic_total,
        "pgic7_improved": percent(trend.pgic7_improved_share),
        "pgic7_total": trend.pgic7_total,
    }


def _safety_rows(safety) -> list[dict]:
    rows = []
    for proc in [*safety.procedures, *([safety.overall] if safety.overall else [])]:
        rows.append(
            {
                "procedure": proc.procedure,
                "enrollments": proc.enrollments,
                "followed": proc.followed,
                "any": f"{proc.flagged_any} ({percent(proc.any_rate)})",
                "small": proc.small_n,
                "tiers": [
                    {
                        "tier": t.tier,
                        "flagged": f"{t.enrollments_flagged} ({percent(t.rate)})",
                        "flags": t.flags,
                        "escalations": t.escalations,
                        "acknowledged": t.acknowledged,
                        "median_ack": duration(t.median_ack),
                    }
                    for t in proc.tiers
                ],
                "is_total": proc.procedure == "All",
            }
        )
    return rows


# --- patient list and trend ---------------------------------------------------------------------
@require_GET
@staff_required(VIEW_OUTCOMES)
def patient_list(request: HttpRequest) -> HttpResponse:
    access, form = _access_and_form(request)
    filters = _filters_or_none(form)
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


def _enrollment_or_404(request: HttpRequest, pk: int) -> Enrollment:
    try:
        return enrollment_for_outcomes(access=outcome_access(user=request.user), enrollment_id=pk)
    except Enrollment.DoesNotExist:
        raise Http404("No such enrollment") from None


@require_GET
@staff_required(VIEW_OUTCOMES)
def patient_trend(request: HttpRequest, pk: int) -> HttpResponse:
    enrollment = _enrollment_or_404(request, pk)
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
    context = {
        "enrollment": enrollment,
        "patient": enrollment.patient,
        "trend": trend,
        "rows": rows,
        "pain_chart": charts.patient_pain_chart(trend),
        "odi_chart": charts.patient_odi_chart(trend),
        "latest_pain": _latest(trend.latest_pain, "pain_change"),
        "latest_odi": _latest(trend.latest_odi, "odi_change"),
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
        "trial": diary_scs_summary(enrollment=enrollment),
        "block_series": diary_block_series(enrollment=enrollment),
    }
    return render(request, "followup/outcomes/patient.html", context)


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
@require_GET
@staff_required(VIEW_OUTCOMES)
def cohort_csv(request: HttpRequest) -> HttpResponse:
    """One row per patient-checkpoint; ``free_text=1`` adds the free-text answer column and
    ``identifiers=1`` the MRN. Without them the file carries no name, MRN or free text."""
    access, form = _access_and_form(request)
    filters = _filters_or_none(form)
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
                "filters": _audit_filters(filters),
            },
        )
    rows = cohort_export_rows(checkpoints=checkpoints, free_text=free_text)
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
    enrollment = _enrollment_or_404(request, pk)
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
    )
    response = JsonResponse(
        bundle, content_type="application/fhir+json", json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="enrollment-{enrollment.pk}.fhir.json"'
    response["Cache-Control"] = "no-store"
    return response
