"""Server-side SVG charts: no JavaScript, no CDN, readable when printed or saved.

Every chart is one ``<svg role="img">`` with a ``<title>`` and ``<desc>`` for screen readers and a
``<title>`` on each mark (the browser shows it as a tooltip); the pages put a table with the same
numbers next to each chart. Colours are the Okabe-Ito palette (safe for colour-blind readers) and
never the only cue: tiers also differ in shape, series in dash pattern and marker.

All text that reaches the markup goes through ``escape``; callers pass plain strings.
"""

from .bars import stacked_bar_chart
from .base import (
    BLUE,
    FONT,
    GREEN,
    GREY,
    GRID,
    INK,
    MUTED,
    ORANGE,
    PURPLE,
    SKY,
    TIER_STYLE,
    VERMILLION,
    YELLOW,
    Band,
    Event,
    LegendItem,
    Point,
    RefLine,
    Series,
    SvgCanvas,
    draw_legend,
    draw_shape,
    nice_day_ticks,
    num,
)
from .interval import Interval, IntervalSeries, interval_chart
from .trend import trend_chart

__all__ = [
    "FONT",
    "INK",
    "GRID",
    "MUTED",
    "BLUE",
    "SKY",
    "VERMILLION",
    "ORANGE",
    "GREEN",
    "PURPLE",
    "YELLOW",
    "GREY",
    "TIER_STYLE",
    "num",
    "Point",
    "Series",
    "Event",
    "RefLine",
    "Band",
    "LegendItem",
    "SvgCanvas",
    "draw_shape",
    "nice_day_ticks",
    "draw_legend",
    "Interval",
    "IntervalSeries",
    "interval_chart",
    "stacked_bar_chart",
    "trend_chart",
]
