"""Stacked bar charts (shares of answers per check)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .base import (
    GRID,
    MUTED,
    LegendItem,
    SvgCanvas,
    draw_legend,
    num,
)


def stacked_bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    segments: Sequence[tuple[str, str]],
    counts: Sequence[Sequence[int]],
    width: int = 820,
) -> str:
    """One 100 % bar per category split into ``segments`` ``[(label, colour)]`` by ``counts``."""
    if len(counts) != len(categories):
        raise ValueError("one row of counts per category")
    if any(len(row) != len(segments) for row in counts):
        raise ValueError("one count per segment in every row")
    if any(c < 0 for row in counts for c in row):
        raise ValueError("counts cannot be negative")
    bar_h, gap = 22, 10
    left, right, top = 120, 150, 10
    height = top + len(categories) * (bar_h + gap) + 24
    svg = SvgCanvas(width, height, chart_id, title, description)
    plot_w = width - left - right
    for r, (category, row) in enumerate(zip(categories, counts, strict=True)):
        y = top + r * (bar_h + gap)
        total = sum(row)
        svg.text(left - 8, y + bar_h / 2 + 4, f"{category} (n={total})", anchor="end", size=11)
        if not total:
            svg.add(
                f'<rect x="{left}" y="{y}" width="{plot_w}" height="{bar_h}" fill="none" '
                f'stroke="{GRID}"/>'
            )
            svg.text(left + 6, y + bar_h / 2 + 4, "no answers", size=10, color=MUTED)
            continue
        x = float(left)
        for (label, color), count in zip(segments, row, strict=True):
            w = count / total * plot_w
            if w <= 0:
                continue
            pct = count * 100 / total
            svg.add(
                f'<rect x="{num(x)}" y="{y}" width="{num(w)}" height="{bar_h}" '
                f'fill="{color}" stroke="#fff"><title>{escape(category)}: {escape(label)} '
                f"{count} of {total} ({pct:.1f} %)</title></rect>"
            )
            if w > 34:
                svg.text(
                    x + w / 2,
                    y + bar_h / 2 + 4,
                    f"{pct:.0f}%",
                    anchor="middle",
                    size=10,
                    color="#000",
                )
            x += w
    draw_legend(
        svg,
        [LegendItem(label, color, "band") for label, color in segments],
        left + plot_w + 14,
        top + 8,
    )
    svg.text(left, height - 6, "Share of answers at each check", size=10, color=MUTED)
    return svg.render()
