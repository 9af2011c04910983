"""What the synthetic network looks like: zones, procedures, shares, names, answer values."""

from __future__ import annotations

import random

from followup.odi import ODI_SECTION_KEYS
from followup.questions import QUESTIONS

CHUNK = 2000
# Zones of the patients, west to east: the due burst is at 10:00 local everywhere, so ``as_of``
# is a minute after 10:00 in the westernmost zone and every due check has come due by then.
ZONES = [
    ("America/Los_Angeles", 10),
    ("America/Denver", 10),
    ("America/Chicago", 50),
    ("America/New_York", 30),
]
PROCEDURES = [
    ("ESI", 34),
    ("FACET_SI", 18),
    ("NERVE_BLOCK", 10),
    ("SCS", 8),
    ("VA", 8),
    ("DISC", 6),
    ("LYSIS", 5),
    ("ITDD", 4),
    ("BIOPSY", 4),
    ("TUMOR_ABLATION", 3),
]
COMPLETED_SHARE = 0.76
# Share of the answerable questions that end up answered, given the shares above.
ANSWERED_SHARE = COMPLETED_SHARE + (1 - COMPLETED_SHARE) * 0.4 * 0.5
DUE_KEYS = [("d14", 60), ("m3", 20), ("m6", 12), ("m12", 8)]
FIRST = ["Ana", "James", "Maria", "Robert", "Linda", "Jose", "Patricia", "Michael", "Carmen"]
LAST = ["Ruiz", "Smith", "Garcia", "Johnson", "Martinez", "Brown", "Lopez", "Davis", "Wilson"]
BENCH_USER = "bench-admin"
BENCH_PASSWORD = "bench-password-not-secret"


def weighted(rng: random.Random, pairs: list[tuple]) -> object:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def answer_value(code: str, rng: random.Random, baseline: int | None):
    kind = QUESTIONS[code]["type"]
    if kind == "yes_no":
        return False, "no"
    if kind == "nrs":
        base = baseline if baseline is not None else 6
        value = max(0, min(10, base - rng.randint(0, 5) + rng.randint(0, 1)))
        return value, str(value)
    if kind == "choice":
        option = rng.choice(QUESTIONS[code]["options"])
        return option["value"], option["value"].replace("_", " ")
    if kind == "web_form":
        values = {key: rng.randint(0, 3) for key in ODI_SECTION_KEYS}
        return values, "(web form)"
    return None, "no"


class BenchDataError(ValueError):
    """The database or the arguments do not allow generating (the command shows the message)."""
