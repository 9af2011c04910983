"""Local anaesthetics used for diagnostic blocks: when to ask for pain, and how long relief must
last to count as "for the duration of the anaesthetic" (followup/relief/rules.py).

Durations are for the small volumes used in medial branch and joint blocks, where relief lasts
shorter than in peripheral nerve blocks. They follow the comparative-block literature (short-acting
lidocaine versus long-acting bupivacaine: Lord SM et al., Clin J Pain 1995;11:208-213; Cohen SP et
al., Reg Anesth Pain Med 2020) and are project defaults a clinic reviews: a clinic that documents
to a different expected duration edits ``expected_hours`` here.
"""

from __future__ import annotations

from decimal import Decimal

ANAESTHETICS: dict[str, dict] = {
    "lidocaine": {
        "label": "Lidocaine (short-acting)",
        # Relief from lidocaine is expected to last at least about an hour (1-2 h typical).
        "expected_hours": Decimal("1"),
        "prompt_hours": (Decimal("0.5"), Decimal("1"), Decimal("2"), Decimal("4")),
        "source": "Lord SM et al., Clin J Pain 1995 (comparative local anaesthetic blocks); "
        "project default",
    },
    "bupivacaine": {
        "label": "Bupivacaine (long-acting)",
        # Expected to outlast lidocaine: at least about 3 h (3-8 h typical).
        "expected_hours": Decimal("3"),
        "prompt_hours": (
            Decimal("0.5"),
            Decimal("1"),
            Decimal("2"),
            Decimal("4"),
            Decimal("6"),
            Decimal("8"),
        ),
        "source": "Lord SM et al., Clin J Pain 1995 (comparative local anaesthetic blocks); "
        "project default",
    },
}


def anaesthetic(name: str) -> dict:
    try:
        return ANAESTHETICS[name.strip().lower()]
    except KeyError:
        raise ValueError(
            f"unknown anaesthetic {name!r}; expected one of {sorted(ANAESTHETICS)}"
        ) from None
