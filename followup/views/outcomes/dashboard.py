"""The cohort dashboard: figures per check, medicine use, safety, literature panel, charts."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from patients.permissions import VIEW_OUTCOMES, staff_required

from ...outcomes import charts
from ...outcomes.format import duration, number, percent, signed
from ...outcomes.literature import SMALL_N
from ...outcomes.mcid import MCID, RESPONDER_PERCENT
from ...selectors.outcomes.cached import cohort_figures, figures_stale
from .filters import (
    access_and_form,
    filters_or_none,
)


@require_GET
@staff_required(VIEW_OUTCOMES)
def cohort_dashboard(request: HttpRequest) -> HttpResponse:
    access, form = access_and_form(request)
    filters = filters_or_none(form)
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
    by_measure = _by_measure(summary)
    context |= {
        "filters": filters,
        "summary": by_measure,
        "groups": [(name, _by_measure(rows)) for name, rows in groups.items()],
        "pain_chart": charts.cohort_change_chart(
            chart_id="cohort-pain-chart", measure="NRS", summaries_by_group=chart_groups
        ),
        "odi_chart": charts.cohort_change_chart(
            chart_id="cohort-odi-chart", measure="ODI", summaries_by_group=chart_groups
        ),
        "ndi_chart": charts.cohort_change_chart(
            chart_id="cohort-ndi-chart", measure="NDI", summaries_by_group=chart_groups
        )
        if "ndi" in by_measure["shown"]
        else None,
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
    }


# The measures of the cohort tables; NDI and back/leg pain appear when someone answered them.
MEASURES = ("pain", "odi", "ndi", "back", "leg")
SHOWN_WHEN_ANSWERED = ("ndi", "back", "leg")


def _by_measure(summaries) -> dict:
    """Per measure, the rows of its table (``row.x``: that measure's figures), and ``shown``:
    the measures with at least one score, so a lumbar cohort gets no empty NDI table."""
    out: dict = {}
    for name in MEASURES:
        rows = []
        for s in summaries:
            m = getattr(s, name, None)
            if m is None:
                continue
            rows.append({**_summary_row(s), "x": _measure_row(m, responder=name == "pain")})
        out[name] = rows
    out["shown"] = [
        n for n in MEASURES if n not in SHOWN_WHEN_ANSWERED or any(r["x"]["scored"] for r in out[n])
    ]
    return out


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
