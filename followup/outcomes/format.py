"""How outcome numbers are written on the pages: one decimal, explicit sign, plain durations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .stats import round_half_up

DASH = "\u2014"


def signed(value: Decimal | float | int | None, places: int = 1) -> str:
    """ "-4.0", "+1.0", "0.0"; a dash for None. Change is follow-up minus baseline."""
    if value is None:
        return DASH
    rounded = round_half_up(value, places)
    if rounded == 0:
        return f"{abs(rounded):.{places}f}"
    return f"{rounded:+.{places}f}"


def number(value: Decimal | float | int | None, places: int = 1) -> str:
    if value is None:
        return DASH
    return f"{round_half_up(value, places):.{places}f}"


def percent(value: Decimal | None, places: int = 1) -> str:
    return DASH if value is None else f"{round_half_up(value, places):.{places}f} %"


def duration(value: dt.timedelta | None) -> str:
    """ "45 s", "12 min", "3 h 05 min", "2 d 4 h": minutes matter for an emergency page."""
    if value is None:
        return DASH
    seconds = int(round(value.total_seconds()))
    if seconds < 0:
        return "-" + duration(dt.timedelta(seconds=-seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
