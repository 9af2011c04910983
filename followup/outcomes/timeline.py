"""Checkpoint keys in time order, with their labels, from the shipped protocols.

Cohort tables group by checkpoint key across procedures (every procedure has ``d14``, ``m3``,
``m6``, ``m12``), so a key must mean the same day everywhere; the shipped data guarantees it
and ``test_outcomes_helpers`` checks it. A clinic's own protocol key that we do not ship sorts
after the known ones, by name.
"""

from __future__ import annotations

from functools import cache

from followup.protocol_data import PROTOCOLS

UNKNOWN_DAY = 10_000


@cache
def checkpoint_days() -> dict[str, int]:
    """Target day after the procedure for every shipped checkpoint key."""
    days: dict[str, int] = {}
    for protocol in PROTOCOLS.values():
        for check in protocol["checkpoints"]:
            days.setdefault(check["key"], check["target_day"])
    return days


@cache
def checkpoint_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for protocol in PROTOCOLS.values():
        for check in protocol["checkpoints"]:
            labels.setdefault(check["key"], check["label"])
    return labels


def checkpoint_sort_key(key: str) -> tuple[int, str]:
    return (checkpoint_days().get(key, UNKNOWN_DAY), key)


def checkpoint_label(key: str) -> str:
    return checkpoint_labels().get(key, key)


def procedure_names() -> dict[str, str]:
    return {code: protocol["name"] for code, protocol in PROTOCOLS.items()}
