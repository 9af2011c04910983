"""Server-side SVG charts: no JavaScript, no CDN, readable when printed or saved.

Every chart is one ``<svg role="img">`` with a ``<title>`` and ``<desc>`` for screen readers and a
``<title>`` on each mark (the browser shows it as a tooltip); the pages put a table with the same
numbers next to each chart. Colours are the Okabe-Ito palette (safe for colour-blind readers) and
never the only cue: tiers also differ in shape, series in dash pattern and marker.

All text that reaches the markup goes through ``escape``; callers pass plain strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
INK = "#1b1f24"
GRID = "#d5d9de"
MUTED = "#5b6470"

# Okabe-Ito
BLUE = "#0072B2"
SKY = "#56B4E9"
VERMILLION = "#D55E00"
ORANGE = "#E69F00"
GREEN = "#009E73"
PURPLE = "#CC79A7"
YELLOW = "#F0E442"
GREY = "#7a7a7a"

TIER_STYLE = {
    # tier: (colour, shape)
    "EMERGENCY": ("#B3261E", "triangle"),
    "URGENT": (ORANGE, "diamond"),
    "ROUTINE": (GREY, "circle"),
}


def _num(value: float) -> str:
    """Coordinates with two decimals at most: smaller markup, stable output for tests."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    title: str


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[Point]
    color: str
    dash: str = ""
    marker: str = "circle"


@dataclass(frozen=True)
class Event:
    """A mark in a lane above the plot (a check, a flag, an escalation) at day ``x``."""

    x: float
    lane: str
    title: str
    color: str
    shape: str = "circle"
    label: str = ""
    hollow: bool = False


@dataclass(frozen=True)
class RefLine:
    y: float
    label: str
    color: str = MUTED
    dash: str = "6 4"


@dataclass(frozen=True)
class Band:
    y0: float
    y1: float
    label: str
    fill: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    color: str
    shape: str = "line"
    dash: str = ""
    hollow: bool = False


@dataclass
class _Svg:
    width: int
    height: int
    chart_id: str
    title: str
    description: str
    parts: list[str] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        anchor: str = "start",
        size: int = 11,
        color: str = INK,
        weight: str = "normal",
        extra: str = "",
    ) -> None:
        self.add(
            f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}" font-weight="{weight}"{extra}>{escape(text)}</text>'
        )

    def render(self) -> str:
        cid = escape(self.chart_id)
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="outcome-chart" id="{cid}" '
            f'viewBox="0 0 {self.width} {self.height}" width="100%" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc" font-family="{escape(FONT)}" '
            f'preserveAspectRatio="xMidYMid meet">'
            f'<title id="{cid}-title">{escape(self.title)}</title>'
            f'<desc id="{cid}-desc">{escape(self.description)}</desc>'
        )
        return head + "".join(self.parts) + "</svg>"


def _shape(
    x: float,
    y: float,
    shape: str,
    color: str,
    *,
    size: float = 5.0,
    hollow: bool = False,
    title: str = "",
) -> str:
    fill = "#ffffff" if hollow else color
    style = f'fill="{fill}" stroke="{color}" stroke-width="1.6"'
    if shape == "triangle":
        pts = (
            f"{_num(x)},{_num(y - size * 1.2)} {_num(x - size)},{_num(y + size * 0.8)} "
            f"{_num(x + size)},{_num(y + size * 0.8)}"
        )
        body = f'<polygon points="{pts}" {style}>'
        end = "</polygon>"
    elif shape == "diamond":
        pts = (
            f"{_num(x)},{_num(y - size)} {_num(x + size)},{_num(y)} {_num(x)},{_num(y + size)} "
            f"{_num(x - size)},{_num(y)}"
        )
        body = f'<polygon points="{pts}" {style}>'
        end = "</polygon>"
    elif shape == "square":
        body = (
            f'<rect x="{_num(x - size * 0.85)}" y="{_num(y - size * 0.85)}" '
            f'width="{_num(size * 1.7)}" height="{_num(size * 1.7)}" {style}>'
        )
        end = "</rect>"
    elif shape == "cross":
        d = size * 0.8
        body = (
            f'<path d="M{_num(x - d)} {_num(y - d)}L{_num(x + d)} {_num(y + d)}'
            f'M{_num(x - d)} {_num(y + d)}L{_num(x + d)} {_num(y - d)}" stroke="{color}" '
            f'stroke-width="2" fill="none">'
        )
        end = "</path>"
    else:
        body = f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size * 0.85)}" {style}>'
        end = "</circle>"
    tip = f"<title>{escape(title)}</title>" if title else ""
    return body + tip + end


def nice_day_ticks(x_max: float) -> list[int]:
    """Day ticks for an axis of ``x_max`` days: weekly, fortnightly or about monthly."""
    if x_max <= 0:
        return [0]
    for step in (7, 14, 30, 60, 91):
        if x_max / step <= 8:
            break
    return list(range(0, int(x_max) + 1, step))


def _legend(svg: _Svg, items: Sequence[LegendItem], x: float, y: float) -> None:
    for i, item in enumerate(items):
        cy = y + i * 17
        if item.shape == "line":
            dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
            svg.add(
                f'<line x1="{_num(x)}" y1="{_num(cy)}" x2="{_num(x + 22)}" y2="{_num(cy)}" '
                f'stroke="{item.color}" stroke-width="2.5"{dash}/>'
            )
        elif item.shape == "band":
            svg.add(
                f'<rect x="{_num(x)}" y="{_num(cy - 6)}" width="22" height="12" '
                f'fill="{item.color}"/>'
            )
        else:
            svg.add(_shape(x + 11, cy, item.shape, item.color, hollow=item.hollow))
        svg.text(x + 28, cy + 4, item.label, size=11)


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
    svg = _Svg(width, height, chart_id, title, description)
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
            f'<rect x="{left}" y="{_num(y_top)}" width="{plot_w}" '
            f'height="{_num(y_bottom - y_top)}" fill="{band.fill}"><title>'
            f"{escape(band.label)}</title></rect>"
        )
        svg.text(left + plot_w - 4, y_top + 12, band.label, anchor="end", size=10, color=MUTED)
    for tick in y_ticks:
        y = py(tick)
        svg.add(
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        svg.text(left - 6, y + 4, _num(tick), anchor="end", size=11, color=MUTED)
    for tick in nice_day_ticks(x_max):
        x = px(tick)
        svg.add(
            f'<line x1="{_num(x)}" y1="{top + plot_h}" x2="{_num(x)}" y2="{top + plot_h + 4}" '
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
        extra=f' transform="rotate(-90 14 {_num(top + plot_h / 2)})"',
    )
    svg.add(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )

    for ref in ref_lines:
        y = py(ref.y)
        svg.add(
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" '
            f'stroke="{ref.color}" stroke-width="1.5" stroke-dasharray="{ref.dash}">'
            f"<title>{escape(ref.label)}</title></line>"
        )

    # Lanes: their name on the left, marks at their day.
    lane_y = {key: 12 + lane_h * i + lane_h / 2 for i, (key, _) in enumerate(lanes)}
    for key, label in lanes:
        svg.text(left - 6, lane_y[key] + 4, label, anchor="end", size=10, color=MUTED)
        svg.add(
            f'<line x1="{left}" y1="{_num(lane_y[key])}" x2="{left + plot_w}" '
            f'y2="{_num(lane_y[key])}" stroke="{GRID}" stroke-dasharray="2 3"/>'
        )
    placed = sorted((e for e in events if e.lane in lane_y), key=lambda e: (e.lane, e.x))
    for event in placed:
        x, y = px(event.x), lane_y[event.lane]
        if event.lane == "checks":
            svg.add(
                f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{top + plot_h}" '
                f'stroke="{GRID}" stroke-width="1" stroke-dasharray="3 3"/>'
            )
        svg.add(_shape(x, y, event.shape, event.color, hollow=event.hollow, title=event.title))
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
            path = " ".join(f"{_num(px(p.x))},{_num(py(p.y))}" for p in pts)
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            svg.add(
                f'<polyline points="{path}" fill="none" stroke="{s.color}" '
                f'stroke-width="2.5"{dash}/>'
            )
        for p in pts:
            svg.add(_shape(px(p.x), py(p.y), s.marker, s.color, size=4.5, title=p.title))

    items = list(legend) or [LegendItem(s.name, s.color, "line", s.dash) for s in series]
    _legend(svg, items, left + plot_w + 16, top + 6)
    return svg.render()


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
    svg = _Svg(width, height, chart_id, title, description)
    left, right, top, bottom = 58, 190, 16, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [0.0, *(r.y for r in ref_lines)]
    for s in series:
        for v in s.values:
            values.extend(x for x in (v.mean, v.low, v.high) if x is not None)
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    step = _nice_step(span / 5)
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
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" '
            f'stroke="{color}" stroke-width="1"/>'
        )
        svg.text(left - 6, y + 4, _num(tick), anchor="end", size=11, color=MUTED)
        tick += step
    for ref in ref_lines:
        y = py(ref.y)
        svg.add(
            f'<line x1="{left}" y1="{_num(y)}" x2="{left + plot_w}" y2="{_num(y)}" '
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
        extra=f' transform="rotate(-90 14 {_num(top + plot_h / 2)})"',
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
                    f'<line x1="{_num(x)}" y1="{_num(py(v.low))}" x2="{_num(x)}" '
                    f'y2="{_num(py(v.high))}" stroke="{s.color}" stroke-width="2"/>'
                )
                for end in (v.low, v.high):
                    svg.add(
                        f'<line x1="{_num(x - 4)}" y1="{_num(py(end))}" x2="{_num(x + 4)}" '
                        f'y2="{_num(py(end))}" stroke="{s.color}" stroke-width="2"/>'
                    )
                tip = (
                    f"{s.name}, {category}: mean {v.mean:.1f} (95% CI {v.low:.1f} to "
                    f"{v.high:.1f}), n={v.n}"
                )
            else:
                tip = f"{s.name}, {category}: mean {v.mean:.1f}, n={v.n} (too few for an interval)"
            svg.add(_shape(x, py(v.mean), s.marker, s.color, size=5, title=tip))
    items = [LegendItem(s.name, s.color, s.marker) for s in series]
    items += [LegendItem(r.label, r.color, "line", r.dash) for r in ref_lines]
    _legend(svg, items, left + plot_w + 16, top + 8)
    svg.text(
        left + plot_w / 2,
        height - 6,
        "Whiskers: 95 % confidence interval (t)",
        anchor="middle",
        size=10,
        color=MUTED,
    )
    return svg.render()


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power  # pragma: no cover - the loop always returns


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
    svg = _Svg(width, height, chart_id, title, description)
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
                f'<rect x="{_num(x)}" y="{y}" width="{_num(w)}" height="{bar_h}" '
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
    _legend(
        svg,
        [LegendItem(label, color, "band") for label, color in segments],
        left + plot_w + 14,
        top + 8,
    )
    svg.text(left, height - 6, "Share of answers at each check", size=10, color=MUTED)
    return svg.render()
