"""Point-and-interval charts (a median with its range, per group)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .base import (
    GRID,
    MUTED,
    LegendItem,
    RefLine,
    SvgCanvas,
    draw_legend,
    draw_shape,
    nice_step,
    num,
)


@dataclass(frozen=True)
class Interval:
    mean: float | None
    low: float | None
    high: float | None
    n: int


@dataclass(frozen=True)
class IntervalSeries:
    name: str
    color: str
    values: Sequence[Interval]  # one per category
    marker: str = "circle"


def interval_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    y_label: str,
    categories: Sequence[str],
    series: Sequence[IntervalSeries],
    ref_lines: Sequence[RefLine] = (),
    width: int = 820,
    height: int = 300,
) -> str:
    """Mean change per checkpoint with its 95 % interval as a whisker; zero and MCID lines."""
    if not categories:
        raise ValueError("an interval chart needs at least one category")
    svg = SvgCanvas(width, height, chart_id, title, description)
    left, right, top, bottom = 58, 190, 16, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [0.0, *(r.y for r in ref_lines)]
    for s in series:
        for v in s.values:
            values.extend(x for x in (v.mean, v.low, v.high) if x is not None)
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    step = nice_step(span / 5)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    if hi - lo < step:
        hi = lo + step

    def py(value: float) -> float:
        return top + (hi - value) / (hi - lo) * plot_h

    tick = lo
    while tick <= hi + step / 2:
        y = py(tick)
        color = MUTED if abs(tick) < step / 1000 else GRID
        svg.add(
            f'<line x1="{left}" y1="{num(y)}" x2="{left + plot_w}" y2="{num(y)}" '
            f'stroke="{color}" stroke-width="1"/>'
        )
        svg.text(left - 6, y + 4, num(tick), anchor="end", size=11, color=MUTED)
        tick += step
    for ref in ref_lines:
        y = py(ref.y)
        svg.add(
            f'<line x1="{left}" y1="{num(y)}" x2="{left + plot_w}" y2="{num(y)}" '
            f'stroke="{ref.color}" stroke-width="1.5" stroke-dasharray="{ref.dash}">'
            f"<title>{escape(ref.label)}</title></line>"
        )
    svg.add(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="{MUTED}"/>'
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
    slot = plot_w / len(categories)
    offsets = [
        (i - (len(series) - 1) / 2) * min(14.0, slot / (len(series) + 1))
        for i in range(len(series))
    ]
    for c, category in enumerate(categories):
        cx = left + slot * (c + 0.5)
        svg.text(cx, top + plot_h + 16, category, anchor="middle", size=11)
        ns = [s.values[c].n for s in series if c < len(s.values)]
        svg.text(
            cx,
            top + plot_h + 30,
            "n=" + "/".join(str(n) for n in ns),
            anchor="middle",
            size=10,
            color=MUTED,
        )
        for s, off in zip(series, offsets, strict=True):
            if c >= len(s.values) or s.values[c].mean is None:
                continue
            v = s.values[c]
            x = cx + off
            if v.low is not None and v.high is not None:
                svg.add(
                    f'<line x1="{num(x)}" y1="{num(py(v.low))}" x2="{num(x)}" '
                    f'y2="{num(py(v.high))}" stroke="{s.color}" stroke-width="2"/>'
                )
                for end in (v.low, v.high):
                    svg.add(
                        f'<line x1="{num(x - 4)}" y1="{num(py(end))}" x2="{num(x + 4)}" '
                        f'y2="{num(py(end))}" stroke="{s.color}" stroke-width="2"/>'
                    )
                tip = (
                    f"{s.name}, {category}: mean {v.mean:.1f} (95% CI {v.low:.1f} to "
                    f"{v.high:.1f}), n={v.n}"
                )
            else:
                tip = f"{s.name}, {category}: mean {v.mean:.1f}, n={v.n} (too few for an interval)"
            svg.add(draw_shape(x, py(v.mean), s.marker, s.color, size=5, title=tip))
    items = [LegendItem(s.name, s.color, s.marker) for s in series]
    items += [LegendItem(r.label, r.color, "line", r.dash) for r in ref_lines]
    draw_legend(svg, items, left + plot_w + 16, top + 8)
    svg.text(
        left + plot_w / 2,
        height - 6,
        "Whiskers: 95 % confidence interval (t)",
        anchor="middle",
        size=10,
        color=MUTED,
    )
    return svg.render()
