"""The disability indexes the web form can carry: the ODI (lumbar) and the NDI (cervical).

Both are ten sections of six statements scored 0-5 with the same missing-sections rule (at least
8 answered, percent of the answered maximum), so the form, the draft, the "you left these blank"
notice and the recording treat them alike from this table. Which one a check asks is in its
question codes (``ODI`` or ``NDI``); an enrollment at cervical levels asks the NDI
(``index_code_for_levels``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..odi import ODI_MIN_SECTIONS, ODI_SECTION_KEYS, ODI_SECTIONS, odi_score
from .ndi import NDI_MIN_SECTIONS, NDI_SECTION_KEYS, NDI_SECTIONS, ndi_score


@dataclass(frozen=True)
class DisabilityIndex:
    code: str  # the question code and the score kind
    prefix: str  # form field prefix: "odi_<section>"
    sections: tuple[dict, ...]
    keys: tuple[str, ...]
    min_sections: int
    score: Callable[[dict], dict | None]

    def field(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def title(self, key: str, language: str) -> str:
        """ "3. Lifting": the section's number and title as the patient saw it."""
        for number, section in enumerate(self.sections, start=1):
            if section["key"] == key:
                return f"{number}. {section['title'][language]}"
        raise ValueError(f"unknown {self.code} section {key!r}")


INDEXES: dict[str, DisabilityIndex] = {
    "ODI": DisabilityIndex(
        "ODI", "odi_", ODI_SECTIONS, ODI_SECTION_KEYS, ODI_MIN_SECTIONS, odi_score
    ),
    "NDI": DisabilityIndex(
        "NDI", "ndi_", NDI_SECTIONS, NDI_SECTION_KEYS, NDI_MIN_SECTIONS, ndi_score
    ),
}

# "C5-C6", "C6/7", "c7-t1": a level list that starts in the cervical spine.
_CERVICAL = re.compile(r"^\s*c\d", re.IGNORECASE)


def index_code_for_levels(levels: str) -> str:
    """NDI for a procedure at cervical levels, else the ODI (DOMAIN.md: NDI for cervical)."""
    return "NDI" if _CERVICAL.match(levels or "") else "ODI"


# Back and leg pain (issue 23 item 4) are the lumbar registries' items: at cervical levels the
# check keeps its overall pain question only (arm and neck pain are not in the question bank).
LUMBAR_ONLY = frozenset({"PAIN_BACK", "PAIN_LEG"})


def swap_index(codes: list[str], levels: str) -> list[str]:
    """A protocol's question codes with its ODI replaced by the NDI at cervical levels (and the
    lumbar back/leg pain items left out there)."""
    wanted = index_code_for_levels(levels)
    if wanted == "NDI":
        codes = [code for code in codes if code not in LUMBAR_ONLY]
    return [wanted if code in INDEXES else code for code in codes]
