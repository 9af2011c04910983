"""The drawing canvas, palette, marks and legend every chart shares (see the package docstring)."""

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


def num(value: float) -> str:
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
class SvgCanvas:
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
            f'<text x="{num(x)}" y="{num(y)}" text-anchor="{anchor}" font-size="{size}" '
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


def draw_shape(
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
            f"{num(x)},{num(y - size * 1.2)} {num(x - size)},{num(y + size * 0.8)} "
            f"{num(x + size)},{num(y + size * 0.8)}"
        )
        body = f'<polygon points="{pts}" {style}>'
        end = "</polygon>"
    elif shape == "diamond":
        pts = (
            f"{num(x)},{num(y - size)} {num(x + size)},{num(y)} {num(x)},{num(y + size)} "
            f"{num(x - size)},{num(y)}"
        )
        body = f'<polygon points="{pts}" {style}>'
        end = "</polygon>"
    elif shape == "square":
        body = (
            f'<rect x="{num(x - size * 0.85)}" y="{num(y - size * 0.85)}" '
            f'width="{num(size * 1.7)}" height="{num(size * 1.7)}" {style}>'
        )
        end = "</rect>"
    elif shape == "cross":
        d = size * 0.8
        body = (
            f'<path d="M{num(x - d)} {num(y - d)}L{num(x + d)} {num(y + d)}'
            f'M{num(x - d)} {num(y + d)}L{num(x + d)} {num(y - d)}" stroke="{color}" '
            f'stroke-width="2" fill="none">'
        )
        end = "</path>"
    else:
        body = f'<circle cx="{num(x)}" cy="{num(y)}" r="{num(size * 0.85)}" {style}>'
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


def draw_legend(svg: SvgCanvas, items: Sequence[LegendItem], x: float, y: float) -> None:
    for i, item in enumerate(items):
        cy = y + i * 17
        if item.shape == "line":
            dash = f' stroke-dasharray="{item.dash}"' if item.dash else ""
            svg.add(
                f'<line x1="{num(x)}" y1="{num(cy)}" x2="{num(x + 22)}" y2="{num(cy)}" '
                f'stroke="{item.color}" stroke-width="2.5"{dash}/>'
            )
        elif item.shape == "band":
            svg.add(
                f'<rect x="{num(x)}" y="{num(cy - 6)}" width="22" height="12" fill="{item.color}"/>'
            )
        else:
            svg.add(draw_shape(x + 11, cy, item.shape, item.color, hollow=item.hollow))
        svg.text(x + 28, cy + 4, item.label, size=11)


def nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if raw <= mult * power:
            return mult * power
    return 10 * power  # pragma: no cover - the loop always returns
