"""Published complication rates per procedure, and the red flags that stand in for them.

Ranges are the ones DOMAIN.md quotes from the seed texts (000 Table 2 for SCS, 000 for ITDD, lysis
and intradiscal, 002/004 for vertebral augmentation and biopsy). Each row names the red-flag rule
codes (or tiers) whose flags are counted as the observed signal.

A flag is a patient-reported screen, not a confirmed complication: a fever flag may be a cold,
and a complication the patient never reports is missed. The observed rate is therefore a
screening signal to look beside the literature, not a complication rate; the page says so.

Left out on purpose: SCS battery failure (0-10.2 %) and ITDD granuloma (< 3 %), which no
patient-reported flag can detect, and tumour embolisation (2-10 %, 004), a transarterial
procedure this tracker does not follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Screens that stand for infection anywhere (wound signs, fever, fever with meningism).
INFECTION_RULES = ("WOUND", "FEVER", "FEVER_MENINGISM")
# "Any complication": every same-day or emergency flag; ROUTINE flags (care gaps such as "not on
# bone medicine", texts needing a read) are not complications.
SERIOUS_TIERS = ("EMERGENCY", "URGENT")

# Below this many followed enrollments a rate is shown with a warning: one patient moves it by
# more than 3 percentage points, and the Wilson interval spans most published ranges.
SMALL_N = 30


@dataclass(frozen=True)
class LiteratureRange:
    key: str
    procedure: str
    label: str
    low: Decimal | None  # None: the source gives only an upper bound ("< 1 %", "up to 5 %")
    high: Decimal
    text: str  # the range as the source words it
    source: str
    rule_codes: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    note: str = ""


LITERATURE: tuple[LiteratureRange, ...] = (
    LiteratureRange(
        "scs_lead_migration",
        "SCS",
        "Lead migration (lost or changed coverage)",
        Decimal("13.2"),
        Decimal("22.6"),
        "13.2-22.6 %",
        "000 Table 2",
        rule_codes=("SCS_COVERAGE",),
        note="Lead fracture (5.7-6 %) also shows as lost coverage and is counted here.",
    ),
    LiteratureRange(
        "scs_ipg_pain",
        "SCS",
        "Pain at the battery (IPG) site",
        Decimal("12"),
        Decimal("12"),
        "12 %",
        "000 Table 2",
        rule_codes=("SCS_BATTERY_SITE",),
    ),
    LiteratureRange(
        "scs_infection",
        "SCS",
        "Infection",
        Decimal("4"),
        Decimal("10"),
        "4-10 %",
        "000 Table 2",
        rule_codes=INFECTION_RULES,
    ),
    LiteratureRange(
        "scs_skin_erosion",
        "SCS",
        "Skin erosion over the device",
        Decimal("0.2"),
        Decimal("0.2"),
        "0.2 %",
        "000 Table 2",
        rule_codes=("SCS_SKIN_BREAKDOWN",),
    ),
    LiteratureRange(
        "scs_pdph",
        "SCS",
        "Persistent post-dural-puncture headache",
        None,
        Decimal("1"),
        "< 1 %",
        "000 Table 2",
        rule_codes=("HEADACHE_POSITIONAL",),
    ),
    LiteratureRange(
        "scs_epidural_haematoma",
        "SCS",
        "Epidural haematoma (new weakness, bladder or bowel loss)",
        Decimal("0.03"),
        Decimal("0.03"),
        "0.03 %",
        "000 Table 2",
        rule_codes=("WEAKNESS", "BLADDER_BOWEL"),
    ),
    LiteratureRange(
        "itdd_infection",
        "ITDD",
        "Infection",
        Decimal("0.9"),
        Decimal("6.3"),
        "0.9-6.3 %",
        "000 Intrathecal Drug Delivery (infection after implant 0.9-6.3 %)",
        rule_codes=INFECTION_RULES,
    ),
    LiteratureRange(
        "lysis_adverse",
        "LYSIS",
        "Adverse events (any urgent or emergency flag)",
        None,
        Decimal("5"),
        "up to 5 %",
        "000 Epidural Lysis (adverse events up to 5 %)",
        tiers=SERIOUS_TIERS,
    ),
    LiteratureRange(
        "lysis_infection",
        "LYSIS",
        "Delayed infection",
        None,
        Decimal("2"),
        "up to 2 %",
        "000 Epidural Lysis (delayed infection, epidural abscess up to 2 %)",
        rule_codes=INFECTION_RULES,
    ),
    LiteratureRange(
        "disc_complications",
        "DISC",
        "Complications (any urgent or emergency flag)",
        Decimal("0.5"),
        Decimal("0.8"),
        "IDET ~0.8 %, PLDD 0.5 %",
        "000 Intradiscal Procedures (IDET ~0.8 %, PLDD 0.5 % of 3377)",
        tiers=SERIOUS_TIERS,
        note="The intradiscal technique is not recorded, so IDET and PLDD share one row.",
    ),
    LiteratureRange(
        "va_complications",
        "VA",
        "Complications (any urgent or emergency flag)",
        Decimal("2"),
        Decimal("5"),
        "2-5 % osteoporotic, < 10 % malignant",
        "004 Vertebral Augmentation Techniques",
        tiers=SERIOUS_TIERS,
        note="The range shown is for osteoporotic fractures; malignant fractures run higher "
        "(< 10 %) and are not told apart here.",
    ),
    LiteratureRange(
        "va_infection",
        "VA",
        "Infection",
        None,
        Decimal("1"),
        "< 1 %",
        "002 §4.2 (post-VA infection < 1 % in large series)",
        rule_codes=INFECTION_RULES,
    ),
    LiteratureRange(
        "biopsy_complications",
        "BIOPSY",
        "Complications (any urgent or emergency flag)",
        None,
        Decimal("5"),
        "< 5 %",
        "004 Percutaneous Biopsy",
        tiers=SERIOUS_TIERS,
    ),
)


def compare_with_range(*, ci_low: float | None, ci_high: float | None, ref: LiteratureRange) -> str:
    """Where an observed rate's 95 % interval (0-1 proportions) sits against the published range.

    "above" / "below" only when the whole interval is outside the range; otherwise "consistent".
    Asking the interval, not the point estimate, keeps one flag in six patients from reading as
    "three times the literature". "unknown" when there is no interval (no followed patients).
    """
    if ci_low is None or ci_high is None:
        return "unknown"
    low = float(ref.low) / 100 if ref.low is not None else 0.0
    high = float(ref.high) / 100
    if ci_low > high:
        return "above"
    if ci_high < low:
        return "below"
    return "consistent"
