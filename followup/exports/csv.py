"""Cohort CSV: one row per patient-checkpoint, columns documented in ``COLUMNS``.

Numbers are written with a dot and one decimal (scores, changes, percentages), booleans as 1/0,
empty when not applicable (no baseline, no score), dates ISO 8601 and times ISO 8601 in UTC.
Change = follow-up minus baseline: negative is better. Choice answers come as their code and
in words (``meds_label``), the physician by username and name. No patient names, MRNs or free text unless
asked for (``identifiers`` adds the MRN, ``free_text`` the "anything else?" answer); text cells
that a spreadsheet would run as a formula are prefixed with a quote.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from followup.answer_labels import answer_label
from followup.instruments.ndi import ndi_band
from followup.odi import odi_band
from followup.outcomes.mcid import MCID
from followup.outcomes.stats import round_half_up
from followup.relief.arithmetic import percent_relief

DUE = ("open", "completed", "missed")


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    read: Callable[[dict], object]


def _get(key: str) -> Callable[[dict], object]:
    return lambda row: row.get(key)


def _dec(key: str) -> Callable[[dict], object]:
    def read(row: dict) -> object:
        value = row.get(key)
        return None if value is None else round_half_up(Decimal(value), 1)

    return read


def _relief(row: dict) -> object:
    """Percent relief since the procedure, the figure documented-relief rules cite; empty with no
    baseline or a baseline of 0 (followup/relief/arithmetic.py), negative when pain is worse."""
    if row.get("base_pain") is None or row.get("pain") is None:
        return None
    return percent_relief(Decimal(row["base_pain"]), Decimal(row["pain"])).percent


def _band(row: dict) -> object:
    return None if row.get("odi") is None else odi_band(row["odi"])


def _ndi_band(row: dict) -> object:
    return None if row.get("ndi") is None else ndi_band(row["ndi"])


def _apart(side: str, key: str) -> tuple[Column, ...]:
    """Back or leg pain, reported apart as spine registries do, against its own baseline."""
    return (
        Column(
            f"baseline_{side}_pain_nrs", f"Baseline {side} pain, NRS 0-10", _dec(f"base_{side}")
        ),
        Column(
            f"{side}_pain_nrs", f"{side.title()} pain now, NRS 0-10 (empty: not asked)", _dec(key)
        ),
        Column(
            f"{side}_pain_change",
            f"{side}_pain_nrs minus its baseline (points; negative = better)",
            _dec(f"{side}_change"),
        ),
        Column(
            f"{side}_pain_change_pct",
            f"{side}_pain_change as % of baseline (empty for a baseline of 0)",
            _dec(f"{side}_change_pct"),
        ),
        Column(
            f"{side}_pain_mcid",
            "1 when improved by >= 2 points or >= 30 % (the pain NRS rule)",
            _get(f"{side}_mcid"),
        ),
        Column(f"{side}_pain_worse", "1 when above baseline", _get(f"{side}_worse")),
    )


def _physician_name(row: dict) -> str:
    first = row.get("enrollment__physician__first_name") or ""
    last = row.get("enrollment__physician__last_name") or ""
    return f"{first} {last}".strip() or (row.get("enrollment__physician__username") or "")


def _label(code: str, key: str) -> Callable[[dict], object]:
    def read(row: dict) -> object:
        value = row.get(key)
        return None if value is None else answer_label(code, value)

    return read


COLUMNS: tuple[Column, ...] = (
    Column("enrollment_id", "Enrollment number in this tracker", _get("enrollment_id")),
    Column(
        "patient_id", "Patient number in this tracker (not the MRN)", _get("enrollment__patient_id")
    ),
    Column(
        "mrn", "Medical record number (only with identifiers=1)", _get("enrollment__patient__mrn")
    ),
    Column("clinic", "Clinic slug", _get("enrollment__clinic__slug")),
    Column("procedure", "Procedure code (VA, SCS, ITDD, ESI, ...)", _get("enrollment__procedure")),
    Column(
        "physician",
        "Username of the enrollment's physician",
        _get("enrollment__physician__username"),
    ),
    Column("physician_name", "The physician's name as staff see it", _physician_name),
    Column("performed_on", "Procedure date", _get("enrollment__performed_on")),
    Column("enrollment_status", "active, completed or withdrawn", _get("enrollment__status")),
    Column("checkpoint", "Check key: h48, d14, w6, m3, m6, m12", _get("key")),
    Column("target_date", "Day the check is aimed at", _get("target_date")),
    Column(
        "check_status", "scheduled, open, completed, missed, cancelled or skipped", _get("status")
    ),
    Column(
        "due",
        "1 when the check was sent (open, completed or missed), else 0",
        lambda row: row.get("status") in DUE,
    ),
    Column("responded", "1 when at least one answer was recorded", _get("responded")),
    Column("completed_at", "When the check was completed (UTC)", _get("completed_at")),
    Column("baseline_pain_nrs", "Baseline pain, NRS 0-10", _dec("base_pain")),
    Column("baseline_odi", "Baseline ODI %", _dec("base_odi")),
    Column("pain_now_nrs", "Pain now, NRS 0-10", _dec("nrs_now")),
    Column("pain_avg_nrs", "Average pain over 7 days, NRS 0-10", _dec("nrs_avg")),
    Column("pain_vas", "Pain VAS 0-100 (web form)", _dec("vas")),
    Column("pain_primary", "Pain used for change: 7-day average, else pain now", _dec("pain")),
    Column(
        "pain_change", "pain_primary minus baseline (points; negative = better)", _dec("nrs_change")
    ),
    Column(
        "pain_change_pct",
        "pain_change as % of baseline (empty for a baseline of 0)",
        _dec("nrs_change_pct"),
    ),
    Column(
        "pain_relief_pct",
        "Percent relief since the procedure: (baseline - pain_primary) / baseline x 100; "
        "negative = worse; empty without a baseline or with a baseline of 0",
        _relief,
    ),
    Column(
        "relief_rule",
        "The repeat-procedure relief rule of this procedure (ESI_REPEAT, RFA_REPEAT; "
        "followup/relief/rules.py); empty for procedures without one or checks without pain",
        _get("relief_rule"),
    ),
    Column(
        "relief_rule_status",
        "relief_rule as documented up to this check: met, not met, not yet, cannot assess "
        "(the outcome page's verdict once the last check is in)",
        _get("relief_rule_status"),
    ),
    Column("pain_mcid", "1 when improved by >= 2 points or >= 30 %", _get("nrs_mcid")),
    Column("pain_responder_50", "1 when improved by >= 50 %", _get("nrs_responder")),
    Column("pain_worse", "1 when above baseline", _get("nrs_worse")),
    Column("odi", "Oswestry Disability Index %", _dec("odi")),
    Column("odi_band", "minimal, moderate, severe, crippled, bed-bound", _band),
    Column("odi_change", "ODI minus baseline (points; negative = better)", _dec("odi_change")),
    Column("odi_change_pct", "odi_change as % of baseline", _dec("odi_change_pct")),
    Column("odi_mcid", "1 when improved by >= 10 points or >= 30 %", _get("odi_mcid")),
    Column("odi_worse", "1 when above baseline", _get("odi_worse")),
    Column("baseline_ndi", "Baseline Neck Disability Index %", _dec("base_ndi")),
    Column(
        "ndi",
        "Neck Disability Index % (cervical procedures ask it instead of the ODI)",
        _dec("ndi"),
    ),
    Column("ndi_band", "no disability, mild, moderate, severe, complete", _ndi_band),
    Column("ndi_change", "NDI minus baseline (points; negative = better)", _dec("ndi_change")),
    Column("ndi_change_pct", "ndi_change as % of baseline", _dec("ndi_change_pct")),
    Column(
        "ndi_mcid",
        f"1 when improved by >= {MCID['NDI'].points} points ({MCID['NDI'].source})",
        _get("ndi_mcid"),
    ),
    Column("ndi_worse", "1 when above baseline", _get("ndi_worse")),
    *_apart("back", "pain_back"),
    *_apart("leg", "pain_leg"),
    Column(
        "block_diaries",
        "Diagnostic block diaries of the enrollment (same on every row of it); empty: none",
        _get("block_diaries"),
    ),
    Column(
        "block_mbb_medicare",
        "The block diaries together against MBB_MEDICARE (>= 80 % from each of 2 blocks): "
        "met, not met, not yet, cannot assess",
        _get("block_mbb_medicare"),
    ),
    Column(
        "block_mbb_asra",
        "The block diaries together against MBB_ASRA (>= 50 % from one block)",
        _get("block_mbb_asra"),
    ),
    Column(
        "scs_trial_days_answered",
        "SCS trial diary: days answered (same on every row of the enrollment)",
        _get("scs_trial_days_answered"),
    ),
    Column(
        "scs_trial_mean_relief",
        "SCS trial diary: mean relief % (against the pre-trial pain, else the patient's own %)",
        _dec("scs_trial_mean_relief"),
    ),
    Column(
        "scs_trial_verdict",
        "SCS trial diary against SCS_TRIAL: met, not met, cannot assess",
        _get("scs_trial_verdict"),
    ),
    Column("meds", "Pain medicine vs before: less, same, more, none", _get("meds")),
    Column("meds_label", "meds in words, as the patient chose it", _label("MEDS", "meds")),
    Column(
        "pgic",
        "Global impression, the tracker's earlier 5-point scale (not the standard PGIC; kept as "
        "answered): much_better, a_little_better, about_same, a_little_worse, much_worse",
        _get("pgic"),
    ),
    Column("pgic_label", "pgic in words, as the patient chose it", _label("PGIC", "pgic")),
    Column(
        "pgic7",
        "Patient Global Impression of Change, standard 7-point: very_much_improved, "
        "much_improved, minimally_improved, no_change, minimally_worse, much_worse, "
        "very_much_worse",
        _get("pgic7"),
    ),
    Column("pgic7_label", "pgic7 in words, as the patient chose it", _label("PGIC7", "pgic7")),
    Column("flags", "Red flags raised at this check", lambda row: row.get("flag_count") or 0),
    Column("highest_flag_tier", "EMERGENCY, URGENT or ROUTINE", _get("top_tier")),
    Column("anything_else", "Free-text answer (only with free_text=1)", _get("anything_else")),
)
_OPTIONAL = {"mrn": "identifiers", "anything_else": "free_text"}


def csv_columns(*, free_text: bool = False, identifiers: bool = False) -> list[Column]:
    wanted = {"identifiers": identifiers, "free_text": free_text}
    return [c for c in COLUMNS if c.name not in _OPTIONAL or wanted[_OPTIONAL[c.name]]]


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    # A cell starting like a formula runs in Excel/Sheets (CSV injection): quote it.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict], *, columns: list[Column]) -> Iterator[str]:
    """The header and one line per row, for a streaming response."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow([c.name for c in columns])
    for row in rows:
        yield writer.writerow([cell(c.read(row)) for c in columns])
