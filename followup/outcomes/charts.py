"""The outcome pages' charts, assembled from selector results (duck-typed, no database).

Patient charts put every series on one time axis (days since the procedure) with three lanes
above the plot: the checks (by status), the red flags (by tier) and the escalations (filled
once acknowledged). Cohort charts show mean change per checkpoint with its 95 % interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from followup.instruments.ndi import NDI_BANDS
from followup.odi import ODI_BANDS

from . import svg
from .format import duration
from .mcid import MCID

CHECK_STYLE = {
    # status: (shape, colour, hollow)
    "completed": ("circle", svg.GREEN, False),
    "open": ("circle", svg.BLUE, True),
    "missed": ("cross", svg.VERMILLION, False),
    "scheduled": ("circle", svg.GREY, True),
    "cancelled": ("square", svg.GREY, True),
    "skipped": ("square", svg.GREY, True),
}
LANES = (("checks", "Checks"), ("flags", "Red flags"), ("escalations", "Escalations"))
ODI_BAND_FILLS = ("#eef7ee", "#f7f7e8", "#fbf0e4", "#fae6e3", "#f3e1ea")
SERIES_COLOURS = (svg.BLUE, svg.VERMILLION, svg.GREEN, svg.PURPLE, svg.ORANGE, svg.SKY)


def _f(value) -> float | None:
    return None if value is None else float(value)


def _events(trend) -> list[svg.Event]:
    events = []
    for check in trend.checks:
        shape, colour, hollow = CHECK_STYLE.get(check.status, ("circle", svg.GREY, True))
        when = f"target {check.target_date.isoformat()}"
        events.append(
            svg.Event(
                x=check.target_day,
                lane="checks",
                title=f"{check.label}: {check.status} ({when})",
                color=colour,
                shape=shape,
                label=check.key,
                hollow=hollow,
            )
        )
    for flag in trend.flags:
        colour, shape = svg.TIER_STYLE.get(flag.tier, (svg.GREY, "circle"))
        events.append(
            svg.Event(
                x=trend.day_of(flag.created_at),
                lane="flags",
                title=f"{flag.tier} flag: {flag.reason}",
                color=colour,
                shape=shape,
            )
        )
    for esc in trend.escalations:
        colour, _ = svg.TIER_STYLE.get(esc.tier, (svg.GREY, "circle"))
        if esc.acknowledged_at:
            ack = f"acknowledged after {duration(esc.acknowledged_at - esc.created_at)}"
        else:
            ack = "not acknowledged"
        events.append(
            svg.Event(
                x=trend.day_of(esc.created_at),
                lane="escalations",
                title=f"{esc.tier} escalation: {esc.reason}; {ack}",  # words, not the rule code
                color=colour,
                shape="square",
                hollow=esc.acknowledged_at is None,
            )
        )
    return events


def _legend_events() -> list[svg.LegendItem]:
    return [
        svg.LegendItem("check completed", svg.GREEN, "circle"),
        svg.LegendItem("check missed", svg.VERMILLION, "cross"),
        svg.LegendItem("check open", svg.BLUE, "circle", hollow=True),
        svg.LegendItem("check not yet due", svg.GREY, "circle", hollow=True),
        svg.LegendItem("emergency flag", svg.TIER_STYLE["EMERGENCY"][0], "triangle"),
        svg.LegendItem("urgent flag", svg.TIER_STYLE["URGENT"][0], "diamond"),
        svg.LegendItem("routine flag", svg.TIER_STYLE["ROUTINE"][0], "circle"),
        svg.LegendItem("escalation, acknowledged", svg.MUTED, "square"),
        svg.LegendItem("escalation, not acked", svg.MUTED, "square", hollow=True),
    ]


def _series_points(trend, attr: str, *, scale: float = 1.0, unit: str) -> list[svg.Point]:
    points = []
    for check in trend.checks:
        value = getattr(check, attr)
        day = check.days.get(attr)
        if value is None:
            continue
        if day is None:
            day = float(check.target_day)
        points.append(svg.Point(day, float(value) / scale, f"{check.label}: {value}{unit}"))
    return points


def patient_pain_chart(trend) -> str:
    baseline = trend.baseline_pain
    series = []
    if baseline is not None:
        base_point = [svg.Point(0.0, float(baseline), f"Baseline pain {baseline}/10")]
    else:
        base_point = []
    now = _series_points(trend, "nrs_now", unit="/10")
    avg = _series_points(trend, "nrs_avg", unit="/10")
    vas = _series_points(trend, "vas", scale=10.0, unit="/100")
    series.append(svg.Series("Pain, 7-day average (NRS)", base_point + avg, svg.BLUE))
    series.append(
        svg.Series("Pain now (NRS)", base_point + now, svg.SKY, dash="5 3", marker="diamond")
    )
    if vas:
        series.append(svg.Series("Pain VAS / 10", vas, svg.PURPLE, dash="2 3", marker="square"))
    refs = []
    if baseline is not None:
        bar = MCID["NRS"].threshold_value(Decimal(baseline))
        if bar >= 0:
            refs.append(svg.RefLine(float(bar), f"MCID: at or below {bar:.1f}", svg.GREEN))
    return _pain_chart(
        trend,
        chart_id=f"pain-chart-{trend.enrollment.pk}",
        title="Pain since the procedure",
        description=_describe(trend, "pain", "NRS 0-10"),
        series=series,
        refs=refs,
    )


def _pain_chart(trend, *, chart_id: str, title: str, description: str, series, refs) -> str:
    """A 0-10 pain chart with its legend (the series, the reference lines, the events)."""
    legend = [svg.LegendItem(s.name, s.color, "line", s.dash) for s in series]
    legend += [svg.LegendItem(r.label, r.color, "line", r.dash) for r in refs]
    legend += _legend_events()
    return svg.trend_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        y_label="Pain (0-10)",
        y_max=10,
        y_ticks=range(0, 11, 2),
        x_max=trend.x_max,
        series=series,
        events=_events(trend),
        lanes=LANES,
        ref_lines=refs,
        legend=legend,
        height=360,
    )


INDEX_CHARTS = {
    # code: (attribute on a check, band table, name in titles)
    "ODI": ("odi", ODI_BANDS, "Disability (ODI)"),
    "NDI": ("ndi", NDI_BANDS, "Neck disability (NDI)"),
}


def _index_chart(trend, code: str) -> str:
    """ODI or NDI percent over time, shaded by the index's own disability bands, with the MCID
    bar from this patient's baseline of the same index."""
    attr, band_table, title = INDEX_CHARTS[code]
    baseline = getattr(trend, f"baseline_{attr}")
    points = []
    if baseline is not None:
        points.append(svg.Point(0.0, float(baseline), f"Baseline {code} {baseline} %"))
    points += _series_points(trend, attr, unit=" %")
    refs = []
    if baseline is not None:
        bar = MCID[code].threshold_value(Decimal(baseline))
        if bar >= 0:
            refs.append(svg.RefLine(float(bar), f"MCID: at or below {bar:.1f} %", svg.GREEN))
    bands, low = [], Decimal(0)
    for (upper, label), fill in zip(band_table, ODI_BAND_FILLS, strict=True):
        bands.append(svg.Band(float(low), float(upper), label, fill))
        low = upper
    series = [svg.Series(f"{code} %", points, svg.VERMILLION)]
    legend = [svg.LegendItem(f"{code} %", svg.VERMILLION, "line")]
    legend += [svg.LegendItem(r.label, r.color, "line", r.dash) for r in refs]
    legend += _legend_events()
    return svg.trend_chart(
        chart_id=f"{attr}-chart-{trend.enrollment.pk}",
        title=f"{title} since the procedure",
        description=_describe(trend, attr, f"{code} %", baseline),
        y_label=f"{code} (%)",
        y_max=100,
        y_ticks=range(0, 101, 20),
        x_max=trend.x_max,
        series=series,
        events=_events(trend),
        lanes=LANES,
        ref_lines=refs,
        bands=bands,
        legend=legend,
        height=360,
    )


def patient_odi_chart(trend) -> str:
    return _index_chart(trend, "ODI")


def patient_ndi_chart(trend) -> str:
    return _index_chart(trend, "NDI")


def patient_back_leg_chart(trend) -> str:
    """Back and leg pain, each from its own baseline, as spine registries report them apart."""
    e = trend.enrollment
    series, refs = [], []
    for attr, name, base, colour, dash, marker in (
        ("pain_back", "Back pain (NRS)", e.baseline_back_pain, svg.BLUE, "", "circle"),
        ("pain_leg", "Leg pain (NRS)", e.baseline_leg_pain, svg.ORANGE, "5 3", "diamond"),
    ):
        first = [] if base is None else [svg.Point(0.0, float(base), f"Baseline {name} {base}")]
        series.append(
            svg.Series(name, first + _series_points(trend, attr, unit="/10"), colour, dash, marker)
        )
        if base is not None:
            bar = MCID["NRS"].threshold_value(Decimal(base))
            if bar >= 0:
                refs.append(
                    svg.RefLine(float(bar), f"{name} MCID: at or below {bar:.1f}", colour, "2 3")
                )
    back = _describe(trend, "pain_back", "Back pain NRS 0-10", e.baseline_back_pain)
    leg = _describe(trend, "pain_leg", "Leg pain NRS 0-10", e.baseline_leg_pain)
    return _pain_chart(
        trend,
        chart_id=f"back-leg-chart-{trend.enrollment.pk}",
        title="Back and leg pain since the procedure",
        description=f"{back} {leg}",
        series=series,
        refs=refs,
    )


def _describe(trend, attr: str, unit: str, base=None) -> str:
    parts = []
    for check in trend.checks:
        value = getattr(check, attr)
        if value is not None:
            parts.append(f"{check.label} {value}")
    if attr == "pain":
        base = trend.baseline_pain
    start = f"Baseline {base}" if base is not None else "No baseline"
    body = "; ".join(parts) if parts else "no scores yet"
    return f"{unit}. {start}; {body}. The table below lists every value."


def cohort_change_chart(
    *, chart_id: str, measure: str, summaries_by_group: Sequence[tuple[str, Sequence]]
) -> str | None:
    """Mean change with CI per checkpoint; one series per group (at most six, else None)."""
    if not summaries_by_group or len(summaries_by_group) > len(SERIES_COLOURS):
        return None
    keys: list[str] = []
    labels: dict[str, str] = {}
    for _, summaries in summaries_by_group:
        for s in summaries:
            if s.key not in labels:
                keys.append(s.key)
                labels[s.key] = s.key
    if not keys:
        return None
    attr = {"NRS": "pain", "ODI": "odi", "NDI": "ndi"}[measure]
    series = []
    markers = ("circle", "diamond", "square", "triangle", "circle", "diamond")
    for i, (name, summaries) in enumerate(summaries_by_group):
        by_key = {s.key: getattr(s, attr, None) for s in summaries}
        values = []
        for key in keys:
            m = by_key.get(key)
            if m is None or m.mean is None:
                values.append(svg.Interval(None, None, None, 0 if m is None else m.n))
                continue
            ci = m.ci
            values.append(
                svg.Interval(
                    float(m.mean),
                    _f(ci[0]) if ci else None,
                    _f(ci[1]) if ci else None,
                    m.n,
                )
            )
        series.append(svg.IntervalSeries(name or "Cohort", SERIES_COLOURS[i], values, markers[i]))
    rule = MCID[measure]
    refs = [svg.RefLine(-float(rule.points), f"MCID: -{rule.points} points", svg.GREEN)]
    what = "pain NRS (7-day average, else pain now)" if measure == "NRS" else f"{measure} %"
    return svg.interval_chart(
        chart_id=chart_id,
        title=f"Mean change from baseline in {what}",
        description=f"Mean change from baseline in {what} at each check with 95 % confidence "
        "intervals; below zero is better. The table next to the chart has the same numbers.",
        y_label="Change from baseline"
        + (" (points)" if measure == "NRS" else f" ({measure} points)"),
        categories=keys,
        series=series,
        ref_lines=refs,
    )


MEDS_SEGMENTS = (
    ("none", "none", svg.GREEN),
    ("less", "less", svg.SKY),
    ("same", "same", svg.YELLOW),
    ("more", "more", svg.VERMILLION),
)


def medication_chart(trends: Sequence) -> str | None:
    if not trends:
        return None
    return svg.stacked_bar_chart(
        chart_id="meds-chart",
        title="Pain-medicine use compared with before the procedure",
        description="Share of answers none / less / same / more at each check; the table below "
        "has the counts.",
        categories=[t.key for t in trends],
        segments=[(label, colour) for _, label, colour in MEDS_SEGMENTS],
        counts=[[t.meds.get(value, 0) for value, _, _ in MEDS_SEGMENTS] for t in trends],
    )
