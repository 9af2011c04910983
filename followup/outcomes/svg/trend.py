"""Line charts of a score over days since the procedure, with events, bands and reference lines."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from .base import (
    GRID,
    INK,
    MUTED,
    Band,
    Event,
    LegendItem,
    RefLine,
    Series,
    SvgCanvas,
    draw_legend,
    draw_shape,
    nice_day_ticks,
    num,
)


def trend_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    y_label: str,
    y_max: float,
    y_ticks: Sequence[float],
    x_max: float,
    series: Sequence[Series],
    events: Sequence[Event] = (),
    lanes: Sequence[tuple[str, str]] = (),
    ref_lines: Sequence[RefLine] = (),
    bands: Sequence[Band] = (),
    legend: Sequence[LegendItem] = (),
    width: int = 820,
    height: int = 330,
) -> str:
    """A score over days since the procedure, with event lanes (checks, flags) on the same axis.

    ``lanes`` is ``[(lane key, label)]`` from top to bottom; events in unknown lanes are dropped.
    """
    if x_max <= 0:
        raise ValueError("x_max must be positive")
    if y_max <= 0:
        raise ValueError("y_max must be positive")
    svg = SvgCanvas(width, height, chart_id, title, description)
    lane_h = 22
    left, right = 84, 200
    top = 12 + lane_h * len(lanes) + (8 if lanes else 0)
    bottom = 40
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(day: float) -> float:
        return left + max(0.0, min(day, x_max)) / x_max * plot_w

    def py(value: float) -> float:
        return top + plot_h - max(0.0, min(value, y_max)) / y_max * plot_h

    for band in bands:
        y_top, y_bottom = py(max(band.y0, band.y1)), py(min(band.y0, band.y1))
        svg.add(
            f'<rect x="{left}" y="{num(y_top)}" width="{plot_w}" '
            f'height="{num(y_bottom - y_top)}" fill="{band.fill}"><title>'
            f"{escape(band.label)}</title></rect>"
        )
        svg.text(left + plot_w - 4, y_top + 12, band.label, anchor="end", size=10, color=MUTED)
    for tick in y_ticks:
        y = py(tick)
        svg.add(
            f'<line x1="{left}" y1="{num(y)}" x2="{left + plot_w}" y2="{num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        svg.text(left - 6, y + 4, num(tick), anchor="end", size=11, color=MUTED)
    for tick in nice_day_ticks(x_max):
        x = px(tick)
        svg.add(
            f'<line x1="{num(x)}" y1="{top + plot_h}" x2="{num(x)}" y2="{top + plot_h + 4}" '
            f'stroke="{MUTED}"/>'
        )
        svg.text(x, top + plot_h + 16, str(tick), anchor="middle", size=11, color=MUTED)
    svg.text(
        left + plot_w / 2,
        height - 6,
        "Days since procedure (0 = procedure day, baseline)",
        anchor="middle",
        size=11,
        color=MUTED,
    )
    svg.text(
        14,
        top + plot_h / 2,
        y_label,
        anchor="middle",
        size=11,
        color=MUTED,
        extra=f' transform="rotate(-90 14 {num(top + plot_h / 2)})"',
    )
    svg.add(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )

    for ref in ref_lines:
        y = py(ref.y)
        svg.add(
            f'<line x1="{left}" y1="{num(y)}" x2="{left + plot_w}" y2="{num(y)}" '
            f'stroke="{ref.color}" stroke-width="1.5" stroke-dasharray="{ref.dash}">'
            f"<title>{escape(ref.label)}</title></line>"
        )

    # Lanes: their name on the left, marks at their day.
    lane_y = {key: 12 + lane_h * i + lane_h / 2 for i, (key, _) in enumerate(lanes)}
    for key, label in lanes:
        svg.text(left - 6, lane_y[key] + 4, label, anchor="end", size=10, color=MUTED)
        svg.add(
            f'<line x1="{left}" y1="{num(lane_y[key])}" x2="{left + plot_w}" '
            f'y2="{num(lane_y[key])}" stroke="{GRID}" stroke-dasharray="2 3"/>'
        )
    placed = sorted((e for e in events if e.lane in lane_y), key=lambda e: (e.lane, e.x))
    for event in placed:
        x, y = px(event.x), lane_y[event.lane]
        if event.lane == "checks":
            svg.add(
                f'<line x1="{num(x)}" y1="{top}" x2="{num(x)}" y2="{top + plot_h}" '
                f'stroke="{GRID}" stroke-width="1" stroke-dasharray="3 3"/>'
            )
        svg.add(draw_shape(x, y, event.shape, event.color, hollow=event.hollow, title=event.title))
    # Labels go right of their mark, only where they overlap neither the next mark nor the last
    # label; a crowded mark keeps its tooltip, and the table under the chart has every value.
    last_end: dict[str, float] = {}
    for i, event in enumerate(placed):
        if not event.label:
            continue
        x = px(event.x)
        start, end = x + 7, x + 7 + 6.2 * len(event.label)
        following = placed[i + 1] if i + 1 < len(placed) else None
        if following is not None and following.lane == event.lane and px(following.x) - 6 < end:
            continue
        if start < last_end.get(event.lane, -1.0):
            continue
        svg.text(start, lane_y[event.lane] + 4, event.label, size=10, color=INK)
        last_end[event.lane] = end + 4

    for s in series:
        pts = [p for p in s.points if p.y is not None and math.isfinite(p.y)]
        if len(pts) > 1:
            path = " ".join(f"{num(px(p.x))},{num(py(p.y))}" for p in pts)
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            svg.add(
                f'<polyline points="{path}" fill="none" stroke="{s.color}" '
                f'stroke-width="2.5"{dash}/>'
            )
        for p in pts:
            svg.add(draw_shape(px(p.x), py(p.y), s.marker, s.color, size=4.5, title=p.title))

    items = list(legend) or [LegendItem(s.name, s.color, "line", s.dash) for s in series]
    draw_legend(svg, items, left + plot_w + 16, top + 6)
    return svg.render()
