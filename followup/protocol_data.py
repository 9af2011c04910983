"""Procedure follow-up protocols as data: checkpoints, questions and red-flag rules.

Each protocol lists its checkpoints (days counted from the procedure date, day 0) and the rules
that turn YES answers to ``RF_*`` questions into a tier. Every rule carries the seed text it comes
from (``000``..``004`` in shared/seeds, with table or section) so a clinician can check it.

Choices made here that the sources leave open are marked "project rule" in ``source`` or ``why``.

Schedule, for every procedure (DOMAIN.md "Follow-up pathway"):
- ``h48`` 48-72 hour check (days 2-3) for LYSIS, SCS, ITDD and VA only: their complications can
  surface on day 2-3 (000). Short: red flags, pain now, free text.
- ``d14`` early check, window day 14-42 (the 2-6 week review, 002 section 5).
- ``m3`` / ``m6`` / ``m12`` longitudinal checks at 91 / 182 / 365 days, +/- 14 days.
- TUMOR_ABLATION adds ``w6``, a 6-8 week imaging check (004).

Reminders are unsolicited messages, so they are spaced at least 24 h apart (FCC healthcare
exemption: at most one unsolicited message a day, DOMAIN.md "Messaging rules").
"""

from __future__ import annotations

from collections.abc import Iterable

from followup.checklists import (
    MAX_SMS_QUESTIONS,
    checklist_problems,
    sms_question_count,
    split_checklists,
)
from followup.questions import QUESTIONS, question_problems
from followup.tiers import TIER_ORDER, tier_rank

MIN_REMINDER_SPACING_HOURS = 24

_OUTCOMES = ["PAIN_NOW", "PAIN_AVG", "MEDS", "PGIC7"]

# Ordered so the questions whose YES means "act now" come first: if the patient stops answering
# part-way, the dangerous symptoms have already been screened.
GENERAL_RED_FLAGS = [
    "RF_SOB_CHEST",
    "RF_WEAKNESS",
    "RF_BLADDER_BOWEL",
    "RF_HEADACHE_SEVERE",
    "RF_FEVER",
    "RF_STIFF_NECK_CONFUSION",
    "RF_HEADACHE_POSITIONAL",
    "RF_WOUND",
    "RF_NUMB_TINGLE",
]
# Still asked at every 3/6/12-month check: a new deficit or cauda equina sign needs the patient
# sent to the emergency department whatever its cause, and 002 section 5 wants re-imaging for
# new neurological symptoms (project rule).
LONGITUDINAL_RED_FLAGS = ["RF_WEAKNESS", "RF_BLADDER_BOWEL"]

_REMIND_H48 = {"max": 1, "spacing_hours": 24}
_REMIND_EARLY = {"max": 3, "spacing_hours": 72}
_REMIND_LONG = {"max": 3, "spacing_hours": 72}


def _rule(
    code: str,
    tier: str,
    *,
    all_of: Iterable[str] = (),
    any_of: Iterable[str] = (),
    reason: str,
    source: str,
    supersedes: Iterable[str] = (),
    crisis_line: bool = False,
) -> dict:
    when: dict[str, list[str]] = {}
    if all_of:
        when["all"] = list(all_of)
    if any_of:
        when["any"] = list(any_of)
    rule = {
        "code": code,
        "tier": tier,
        "when": when,
        "reason": reason,
        # The patient must act now (call 911 / go to the ED): further questions only delay them.
        "stop_survey": tier == "EMERGENCY",
        "crisis_line": crisis_line,
        "source": source,
    }
    if supersedes:
        rule["supersedes"] = list(supersedes)
    return rule


def _general_rules() -> list[dict]:
    """Red-flag rules that apply after every procedure (DOMAIN.md "Every procedure")."""
    return [
        _rule(
            "FEVER_MENINGISM",
            "EMERGENCY",
            all_of=["RF_FEVER"],
            any_of=["RF_HEADACHE_SEVERE", "RF_STIFF_NECK_CONFUSION"],
            reason="Fever with severe headache, stiff neck or confusion",
            source="000 Table 1 (epidural abscess), Table 3 (meningitis); 002 §4.2; "
            "004 Percutaneous Ablation (aseptic meningitis)",
            supersedes=["FEVER", "NECK_CONFUSION"],
        ),
        _rule(
            "FEVER",
            "URGENT",
            all_of=["RF_FEVER"],
            reason="Fever 38.0 C / 100.4 F or higher, or shaking chills",
            source="000 Table 1 (infection, epidural abscess); 002 §4.2, §5; "
            "004 Intervertebral Disk Therapies (infection after injections)",
        ),
        _rule(
            "NECK_CONFUSION",
            "URGENT",
            all_of=["RF_STIFF_NECK_CONFUSION"],
            reason="Stiff neck or new confusion without fever",
            source="000 Table 3 (meningitis); 004 Percutaneous Ablation (aseptic meningitis); "
            "project rule: without fever, same-day call-back",
        ),
        _rule(
            "WEAKNESS",
            "EMERGENCY",
            all_of=["RF_WEAKNESS"],
            reason="New or worsening weakness in legs or arms",
            source="000 Table 1 (bleeding, epidural abscess, paraplegia), Vertebroplasty and "
            "Kyphoplasty (cement leak); 002 §3.3.3",
        ),
        _rule(
            "BLADDER_BOWEL",
            "EMERGENCY",
            all_of=["RF_BLADDER_BOWEL"],
            reason="New loss of bladder or bowel control, or saddle numbness",
            source="000 Table 1 (bowel and bladder dysfunction); 002 §3.3.3 (saddle anaesthesia, "
            "sphincter disturbance)",
        ),
        _rule(
            "SOB_CHEST",
            "EMERGENCY",
            all_of=["RF_SOB_CHEST"],
            reason="Shortness of breath or chest pain",
            source="000 Vertebroplasty and Kyphoplasty (cement embolism, 'days and even weeks'), "
            "Table 3 (respiratory depression); 002 §3.2.3 (haemothorax), §3.3.4",
        ),
        _rule(
            "HEADACHE_SEVERE",
            "EMERGENCY",
            all_of=["RF_HEADACHE_SEVERE"],
            reason="Sudden, severe or steadily worsening headache",
            source="000 Spinal Cord Stimulation (dural puncture, fatal subdural haematoma 3 days "
            "later)",
            supersedes=["HEADACHE_POSITIONAL"],
        ),
        _rule(
            "HEADACHE_POSITIONAL",
            "URGENT",
            all_of=["RF_HEADACHE_POSITIONAL"],
            reason="Headache worse sitting or standing, better lying down",
            source="000 Table 1 (headache), Table 2 (post-dural-puncture headache), Table 3 "
            "(spinal headache)",
        ),
        _rule(
            "WOUND",
            "URGENT",
            all_of=["RF_WOUND"],
            reason="Redness, swelling, warmth, pus or drainage at needle or incision site",
            source="000 Table 1 (infection at the site of penetration), Intrathecal Drug "
            "Delivery (surgical-site infection); 002 §5 (wound review)",
        ),
        _rule(
            "NUMB_TINGLE",
            "URGENT",
            all_of=["RF_NUMB_TINGLE"],
            reason="New numbness or tingling, or new shooting leg or arm pain",
            source="000 Table 1 (dermatomal numbness, paresthesia); 002 §5 (new radicular pain)",
        ),
    ]


def _checkpoint(
    key: str,
    label: str,
    target_day: int,
    window: tuple[int, int],
    questions: list[str],
    reminders: dict,
    why: str,
) -> dict:
    return {
        "key": key,
        "label": label,
        "target_day": target_day,
        "window_open_day": window[0],
        "window_close_day": window[1],
        "questions": questions,
        "reminders": dict(reminders),
        "why": why,
    }


def _h48(red_flags: list[str], why: str) -> dict:
    return _checkpoint(
        "h48",
        "48-72 hour check",
        2,
        (2, 3),
        [*red_flags, "PAIN_NOW", "ANYTHING_ELSE"],
        _REMIND_H48,
        why + " One reminder at most: the window is two days and one unsolicited text a day.",
    )


def _d14(red_flags: list[str], why: str) -> dict:
    return _checkpoint(
        "d14",
        "2-week check",
        14,
        (14, 42),
        [*red_flags, *_OUTCOMES, "ODI", "ANYTHING_ELSE"],
        _REMIND_EARLY,
        why,
    )


def _longitudinal(
    red_flags: list[str],
    why: str,
    *,
    extra_flags: dict[str, list[str]] | None = None,
    extra: dict[str, list[str]] | None = None,
) -> list[dict]:
    """The 3-, 6- and 12-month checks.

    ``extra_flags`` adds red flags and ``extra`` adds stewardship questions, per check key.
    """
    extra_flags = extra_flags or {}
    extra = extra or {}
    checks = []
    for key, label, day in (
        ("m3", "3-month check", 91),
        ("m6", "6-month check", 182),
        ("m12", "12-month check", 365),
    ):
        questions = [
            *extra_flags.get(key, []),
            *red_flags,
            *_OUTCOMES,
            *extra.get(key, []),
            "ODI",
            "ANYTHING_ELSE",
        ]
        checks.append(
            _checkpoint(key, label, day, (day - 14, day + 14), questions, _REMIND_LONG, why)
        )
    return checks


_LONG_WHY_DURABILITY = (
    "Tracks how long relief lasts and whether function holds (ODI, medicine use) against "
    "baseline; 3, 6 and 12 months are kept for every procedure so outcomes compare across "
    "procedures and physicians."
)

# --- vertebral augmentation --------------------------------------------------------------------
_VA_EARLY_FLAGS = [
    "RF_SOB_CHEST",
    "RF_VA_FLANK_DIZZY",
    *[c for c in GENERAL_RED_FLAGS if c != "RF_SOB_CHEST"],
    "RF_VA_ADJACENT_PAIN",
]
_VA = {
    "code": "VA",
    "version": 1,
    "name": "Vertebral augmentation (vertebroplasty / kyphoplasty)",
    "summary": "Cement or implant augmentation of a fractured vertebra. Watch for cement "
    "embolism (breathing, chest pain) for days to weeks, bleeding in the first days, infection, "
    "neurological deficit, and new fractures; then bone-health stewardship for a year.",
    "sources": ["000", "001", "002", "004"],
    "checkpoints": [
        _h48(
            _VA_EARLY_FLAGS,
            "Bleeding into the flank and cement embolism show in the first days (002 §3.2.3, "
            "§3.3.4); a 48-72 h check is offered for VA (DOMAIN.md).",
        ),
        _d14(
            [c for c in _VA_EARLY_FLAGS if c != "RF_VA_FLANK_DIZZY"],
            "Early review at 2-6 weeks: pain/function, analgesics, wound, fever, neuro deficit, "
            "dyspnoea (002 §5); cement embolism can appear weeks later (000).",
        ),
        *_longitudinal(
            [*LONGITUDINAL_RED_FLAGS, "RF_VA_ADJACENT_PAIN"],
            "New-fracture screen and bone health (DXA/FRAX, osteoporosis therapy adherence, "
            "falls) at 3-6 months, adherence to 12 months (002 §5 and checklist). "
            + _LONG_WHY_DURABILITY,
            extra={
                "m3": ["BH_MEDS", "BH_FALLS", "BH_DXA"],
                "m6": ["BH_MEDS", "BH_FALLS", "BH_DXA"],
                "m12": ["BH_MEDS", "BH_FALLS"],
            },
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "VA_FLANK_DIZZY",
            "EMERGENCY",
            all_of=["RF_VA_FLANK_DIZZY"],
            reason="Flank, belly or groin pain with dizziness after augmentation",
            source="002 §3.2.3 (retroperitoneal / psoas bleed)",
        ),
        _rule(
            "VA_ADJACENT_PAIN",
            "URGENT",
            all_of=["RF_VA_ADJACENT_PAIN"],
            reason="New sharp back pain above or below the treated level",
            source="002 §4.3 (adjacent-level fracture), §5 (imaging for new pain)",
        ),
    ],
    # Answers that are not red flags but need a nurse's look at the next triage review.
    "care_gaps": [
        {
            "code": "NO_BONE_MEDS",
            "question": "BH_MEDS",
            "answer": "no",
            "tier": "ROUTINE",
            "reason": "Not on bone-strengthening treatment",
            "source": "002 §5 (start/optimize osteoporosis therapy)",
        },
        {
            "code": "FALL_REPORTED",
            "question": "BH_FALLS",
            "answer": "yes",
            "tier": "ROUTINE",
            "reason": "Fall reported: consider falls clinic referral and new-fracture screen",
            "source": "002 §5 (falls clinic referral)",
        },
        {
            "code": "NO_DXA",
            "question": "BH_DXA",
            "answer": "no",
            "tier": "ROUTINE",
            "reason": "No recent or booked bone density scan",
            "source": "002 §5 (DXA if no recent assessment)",
        },
    ],
}

# --- spinal cord stimulator ----------------------------------------------------------------
_SCS_DEVICE_FLAGS = ["RF_SCS_BATTERY_SITE", "RF_SCS_SKIN_BREAKDOWN", "RF_SCS_COVERAGE"]
_SCS = {
    "code": "SCS",
    "version": 1,
    "name": "Spinal cord stimulator (trial and permanent implant)",
    "summary": "Epidural leads with an implanted pulse generator. Watch for dural-puncture "
    "headache, epidural haematoma or abscess, battery-site pain or infection, skin erosion "
    "and lead migration; implant infections count for a year.",
    "sources": ["000", "003"],
    "checkpoints": [
        _h48(
            [*GENERAL_RED_FLAGS, *_SCS_DEVICE_FLAGS],
            "Dural puncture headache and haematoma declare early; a patient whose headache grew "
            "3 days after a dural puncture died (000 Spinal Cord Stimulation).",
        ),
        _d14(
            [*GENERAL_RED_FLAGS, *_SCS_DEVICE_FLAGS],
            "Early review at 2-6 weeks (002 §5 pathway applied to implants); wound and pocket "
            "infection is most frequent at the IPG site (000 Table 2).",
        ),
        *_longitudinal(
            [*LONGITUDINAL_RED_FLAGS, "RF_FEVER", "RF_WOUND", *_SCS_DEVICE_FLAGS],
            "Implant surgical-site infections count for one year, so wound and fever stay on "
            "every check (000); lead migration 13.2-22.6 % shows as lost coverage (000 Table 2). "
            + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "SCS_BATTERY_SITE",
            "URGENT",
            all_of=["RF_SCS_BATTERY_SITE"],
            reason="Pain, redness or swelling at the battery site",
            source="000 Table 2 (pain at IPG site 12 %, infection 4-10 %, mostly at the IPG "
            "pocket)",
        ),
        _rule(
            "SCS_SKIN_BREAKDOWN",
            "URGENT",
            all_of=["RF_SCS_SKIN_BREAKDOWN"],
            reason="Skin breaking down over the device",
            source="000 Table 2 (skin erosion 0.2 %)",
        ),
        _rule(
            "SCS_COVERAGE",
            "ROUTINE",
            all_of=["RF_SCS_COVERAGE"],
            reason="Lost or changed stimulation coverage",
            source="000 Table 2 (lead migration 13.2-22.6 %, lead fracture 5.7-6 %)",
        ),
    ],
}

# --- intrathecal drug delivery --------------------------------------------------------------
_ITDD_EMERGENCY_FLAGS = ["RF_ITDD_SLEEPY", "RF_ITDD_WITHDRAWAL", "RF_ITDD_MOOD"]
_ITDD_URGENT_FLAGS = ["RF_ITDD_ALARM", "RF_ITDD_NAUSEA_URINE"]
_ITDD_EARLY = [*_ITDD_EMERGENCY_FLAGS, *GENERAL_RED_FLAGS, *_ITDD_URGENT_FLAGS]
_ITDD = {
    "code": "ITDD",
    "version": 1,
    "name": "Intrathecal drug delivery pump (implant, refill)",
    "summary": "Implanted pump delivering drug to the intrathecal space. Watch for overinfusion, "
    "baclofen withdrawal, ziconotide mood effects, pump alarms, meningitis and wound infection; "
    "implant infections count for a year.",
    "sources": ["000"],
    "checkpoints": [
        _h48(
            _ITDD_EARLY,
            "Acute drug effects (respiratory depression, nausea, urinary retention) and spinal "
            "headache appear in the first days (000 Table 3).",
        ),
        _d14(
            _ITDD_EARLY,
            "Early review at 2-6 weeks; wound infections are found in outpatient surveillance "
            "(000 Intrathecal Drug Delivery).",
        ),
        *_longitudinal(
            [
                *_ITDD_EMERGENCY_FLAGS,
                *LONGITUDINAL_RED_FLAGS,
                "RF_FEVER",
                "RF_STIFF_NECK_CONFUSION",
                "RF_WOUND",
                *_ITDD_URGENT_FLAGS,
            ],
            "Implant infections count for one year and refills keep the meningitis risk alive, "
            "so fever, stiff neck and wound stay on every check; dose changes keep the drug "
            "screens (000 Table 3). " + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "ITDD_SLEEPY",
            "EMERGENCY",
            all_of=["RF_ITDD_SLEEPY"],
            reason="Unusual sleepiness, confusion or slow breathing",
            source="000 Table 3 (overinfusion; respiratory depression)",
        ),
        _rule(
            "ITDD_WITHDRAWAL",
            "EMERGENCY",
            all_of=["RF_ITDD_WITHDRAWAL"],
            reason="Itching with sweating, fever, muscle stiffness or seizures",
            source="000 Intrathecal Drug Delivery (baclofen withdrawal: pruritus, sweating, "
            "hyperthermia, seizures)",
        ),
        _rule(
            "ITDD_MOOD",
            "EMERGENCY",
            all_of=["RF_ITDD_MOOD"],
            reason="Low mood or thoughts of self-harm",
            source="000 Intrathecal Drug Delivery (ziconotide: depression, suicidality)",
            crisis_line=True,
        ),
        _rule(
            "ITDD_ALARM",
            "URGENT",
            all_of=["RF_ITDD_ALARM"],
            reason="Pump alarm",
            source="000 Table 3 (medical device complication: alarms)",
        ),
        _rule(
            "ITDD_NAUSEA_URINE",
            "URGENT",
            all_of=["RF_ITDD_NAUSEA_URINE"],
            reason="Nausea or trouble passing urine",
            source="000 Table 3 (acute pharmacologic: nausea, urinary retention)",
        ),
    ],
}

# --- epidural steroid injection -------------------------------------------------------------
_ESI = {
    "code": "ESI",
    "version": 1,
    "name": "Epidural steroid injection (interlaminar, transforaminal, caudal)",
    "summary": "Steroid and local anaesthetic into the epidural space. Watch for dural-puncture "
    "headache, infection, haematoma, and raised blood sugar in diabetic patients; steroid "
    "effect takes 3-5 days.",
    "sources": ["003", "004"],
    "checkpoints": [
        _d14(
            [*GENERAL_RED_FLAGS, "RF_ESI_SUGAR"],
            "Early review at 2-6 weeks; the steroid effect takes 3-5 days (004), so day 14 "
            "judges the response. No 48-72 h check: DOMAIN.md offers it to LYSIS, SCS, ITDD and "
            "VA only; the discharge sheet covers the first days (001).",
        ),
        *_longitudinal(
            LONGITUDINAL_RED_FLAGS,
            "Injection relief often fades within months; the checks show when re-treatment is "
            "being considered. " + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "ESI_SUGAR",
            "URGENT",
            all_of=["RF_ESI_SUGAR"],
            reason="Blood sugar readings far above usual after steroid injection",
            source="004 Intervertebral Disk Therapies (spine injections: increased blood sugar "
            "from steroids)",
        ),
    ],
}

# --- epidural lysis of adhesions ------------------------------------------------------------
_LYSIS_EARLY = [
    "RF_SOB_CHEST",
    "RF_WEAKNESS",
    "RF_BLADDER_BOWEL",
    "RF_SEXUAL_FUNCTION",
    *[c for c in GENERAL_RED_FLAGS if c not in ("RF_SOB_CHEST", "RF_WEAKNESS", "RF_BLADDER_BOWEL")],
]
_LYSIS = {
    "code": "LYSIS",
    "version": 1,
    "name": "Epidural lysis of adhesions (epiduroplasty, hypertonic saline)",
    "summary": "Catheter-based epidural adhesiolysis, often over several days. Delayed "
    "complications on day 2-3: subdural spread, cauda equina signs (bladder, bowel, sexual "
    "function), dermatomal numbness, headache, infection and epidural abscess.",
    "sources": ["000"],
    "checkpoints": [
        _h48(
            _LYSIS_EARLY,
            "Delayed complications appear on the second or third day of a multi-injection "
            "protocol (000 Epidural Lysis, Table 1).",
        ),
        _d14(
            _LYSIS_EARLY,
            "Early review at 2-6 weeks; delayed infection and epidural abscess up to 2 % (000).",
        ),
        *_longitudinal(LONGITUDINAL_RED_FLAGS, _LONG_WHY_DURABILITY),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "LYSIS_SEXUAL_FUNCTION",
            "URGENT",
            all_of=["RF_SEXUAL_FUNCTION"],
            reason="New sexual dysfunction after epidural lysis",
            source="000 Table 1 (sexual dysfunction, delayed); project rule: alone is a "
            "same-day call-back, with bladder/bowel signs the BLADDER_BOWEL emergency applies",
        ),
    ],
}

# --- intradiscal procedures -----------------------------------------------------------------
_DISC = {
    "code": "DISC",
    "version": 1,
    "name": "Intradiscal procedure (IDET, biacuplasty, PLDD, ozone, percutaneous discectomy)",
    "summary": "Thermal, laser, chemical or mechanical treatment inside the disc. Watch for "
    "discitis (fever, sharply worse back pain in the following weeks), transient "
    "radiculopathy and, rarely, cauda equina syndrome.",
    "sources": ["000", "004"],
    "checkpoints": [
        _d14(
            [*GENERAL_RED_FLAGS, "RF_DISC_BACK_WORSE"],
            "Early review at 2-6 weeks: discitis shows as fever or sharply worsening back pain "
            "in the weeks after (000 Table 4; 004).",
        ),
        *_longitudinal(
            LONGITUDINAL_RED_FLAGS,
            "Discitis can still present at 3 months, so fever and worse back pain stay on that "
            "check; decompression results are reported at 12 months and beyond (004). "
            + _LONG_WHY_DURABILITY,
            extra_flags={"m3": ["RF_FEVER", "RF_DISC_BACK_WORSE"]},
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "DISCITIS_SIGNS",
            "URGENT",
            all_of=["RF_FEVER", "RF_DISC_BACK_WORSE"],
            reason="Fever with sharply worsening back pain after a disc procedure",
            source="000 Table 4 (discitis); 004 Intervertebral Disk Therapies (spondylodiscitis "
            "0.24 %)",
            supersedes=["FEVER", "DISC_BACK_WORSE"],
        ),
        _rule(
            "DISC_BACK_WORSE",
            "URGENT",
            all_of=["RF_DISC_BACK_WORSE"],
            reason="Sharply worsening back pain after a disc procedure",
            source="000 Table 4 (discitis); 004 Intervertebral Disk Therapies (spondylodiscitis)",
        ),
    ],
}

# --- facet / sacroiliac -----------------------------------------------------------------------
_FACET_SI = {
    "code": "FACET_SI",
    "version": 1,
    "name": "Facet / sacroiliac joint injection, medial branch block, RF or cryo neurolysis",
    "summary": "Joint injections and medial branch procedures, including radiofrequency or "
    "cryo denervation. After neurolysis, burning pain or numbness over the treated area "
    "(neuritis) is expected to settle but is reviewed.",
    "sources": ["004"],
    "checkpoints": [
        _d14(
            [*GENERAL_RED_FLAGS, "RF_FACET_BURNING"],
            "Early review at 2-6 weeks: response to the block or denervation and post-"
            "neurolysis burning pain (004 Facet and Sacroiliac Joint Therapies).",
        ),
        *_longitudinal(
            LONGITUDINAL_RED_FLAGS,
            "Denervation relief usually lasts months; the checks show when it wears off. "
            + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "FACET_BURNING",
            "ROUTINE",
            all_of=["RF_FACET_BURNING"],
            reason="Burning pain or numbness over the treated area",
            source="004 Facet and Sacroiliac Joint Therapies (RF/cryo neurolysis); DOMAIN.md "
            "(neuritis is ROUTINE)",
        ),
    ],
}

# --- peripheral / sympathetic nerve blocks ------------------------------------------------------
_NERVE_BLOCK = {
    "code": "NERVE_BLOCK",
    "version": 1,
    "name": "Peripheral or sympathetic nerve block",
    "summary": "Local anaesthetic, with or without steroid, around a peripheral nerve or "
    "sympathetic chain. Risks: bleeding and infection at the site, spread to other areas, "
    "numbness, tingling or weakness.",
    "sources": ["003"],
    "checkpoints": [
        _d14(
            GENERAL_RED_FLAGS,
            "Early review at 2-6 weeks: site infection or bleeding, spread of medicine, "
            "wrong-nerve effects (003).",
        ),
        *_longitudinal(
            LONGITUDINAL_RED_FLAGS,
            "Block relief is often short; the checks document how long it lasted. "
            + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": _general_rules(),
}

# --- spinal tumour ablation -------------------------------------------------------------------
_TUMOR_ABLATION = {
    "code": "TUMOR_ABLATION",
    "version": 1,
    "name": "Spinal tumour ablation (RF / cryo / microwave), usually with cementoplasty",
    "summary": "Thermal ablation of a spinal tumour, usually followed by cement. Watch for "
    "nerve or cord injury, infection, aseptic meningitis, pathologic fracture and cement "
    "complications; first follow-up imaging at 6-8 weeks.",
    "sources": ["004", "002"],
    "checkpoints": [
        _d14(
            [*GENERAL_RED_FLAGS, "RF_VA_ADJACENT_PAIN"],
            "Early review at 2-6 weeks: neural injury is mostly transient but must be caught, "
            "infection and aseptic meningitis (004 Percutaneous Ablation); cement as for VA "
            "(002 §5).",
        ),
        _checkpoint(
            "w6",
            "6-8 week imaging check",
            42,
            (42, 56),
            [
                *LONGITUDINAL_RED_FLAGS,
                "RF_VA_ADJACENT_PAIN",
                "TA_IMAGING",
                "PAIN_NOW",
                "ANYTHING_ELSE",
            ],
            _REMIND_EARLY,
            "First follow-up imaging is ideally at 6-8 weeks (004 Percutaneous Ablation); the "
            "check confirms the scan is done or booked. Its window starts the day the 2-week "
            "check's window closes.",
        ),
        *_longitudinal(
            [*LONGITUDINAL_RED_FLAGS, "RF_VA_ADJACENT_PAIN"],
            "Further imaging only for new or worsening symptoms (004), so each check screens "
            "for them; pathologic fracture shows as new back pain. " + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": [
        *_general_rules(),
        _rule(
            "TA_NEW_BACK_PAIN",
            "URGENT",
            all_of=["RF_VA_ADJACENT_PAIN"],
            reason="New sharp back pain near the treated level",
            source="004 Percutaneous Ablation (pathologic fracture), Transarterial Embolization; "
            "002 §4.3",
        ),
    ],
    "care_gaps": [
        {
            "code": "NO_FOLLOWUP_IMAGING",
            "question": "TA_IMAGING",
            "answer": "no",
            "tier": "ROUTINE",
            "reason": "Follow-up imaging not done or booked",
            "source": "004 Percutaneous Ablation (first follow-up imaging at 6-8 weeks)",
        },
    ],
}

# --- percutaneous spine biopsy ------------------------------------------------------------------
_BIOPSY = {
    "code": "BIOPSY",
    "version": 1,
    "name": "Percutaneous spine biopsy",
    "summary": "Image-guided needle biopsy of vertebra, disc or paraspinal tissue. "
    "Complications under 5 %: bleeding, haematoma, nerve root damage, thecal sac puncture, "
    "myelopathy, fracture.",
    "sources": ["004"],
    "checkpoints": [
        _d14(
            GENERAL_RED_FLAGS,
            "Early review at 2-6 weeks: haematoma, nerve root damage, thecal sac puncture "
            "headache, infection (004 Percutaneous Biopsy).",
        ),
        *_longitudinal(
            LONGITUDINAL_RED_FLAGS,
            "A biopsy is diagnostic; the longitudinal checks mostly record the course of the "
            "underlying problem. " + _LONG_WHY_DURABILITY,
        ),
    ],
    "red_flag_rules": _general_rules(),
}

# --- at most 6 questions by text (issue 23 item 5) ---------------------------------------------
# Asked on the web form (with the ODI/NDI) when the check goes by text; the form's link is the
# "One last step" text, and ``followup.form_fallback`` asks ``form_fallback`` (PAIN_AVG) by text
# when the form is not started. PGIC7 stays a text question where the check has room for it.
_FORM_ITEMS = ("PAIN_AVG", "MEDS", "PGIC7", "BH_MEDS", "BH_FALLS", "BH_DXA")
# Spine registries score back and leg pain separately (issue 23 item 4; NASS/AANS QOD,
# Swespine): asked after "pain now" by the procedures done at lumbar levels. PAIN_NOW stays: it
# is the outcome figure every page, export and baseline comparison reads.
_LUMBAR_PAIN = ["PAIN_BACK", "PAIN_LEG"]
LUMBAR_PROCEDURES = ("ESI", "LYSIS", "DISC", "FACET_SI")


def _short_by_text(protocol: dict, *, lumbar: bool) -> dict:
    """Give every check of ``protocol`` at most MAX_SMS_QUESTIONS text questions.

    Its red flags are asked as checklists (``followup.checklists``: EMERGENCY items first, every
    red flag still screened by text, answers stored per question as before); secondary items go
    on the web form. The result is plain data, shown in the admin and in docs/instruments.md.
    """
    rules = protocol["red_flag_rules"]
    for check in protocol["checkpoints"]:
        questions = check["questions"]
        lists = split_checklists([c for c in questions if c.startswith("RF_")], rules)
        rest = [c for c in questions if not c.startswith("RF_")]
        if lumbar and "PAIN_NOW" in rest:
            at = rest.index("PAIN_NOW") + 1
            rest[at:at] = _LUMBAR_PAIN
        check["questions"] = [*(c for items in lists for c in items), *rest]
        check["sms_checklists"] = lists
        form = [c for c in rest if c in _FORM_ITEMS]
        # The one form item asked by text when the form is not opened (followup.form_fallback):
        # average pain is an NRS, one short text; the ODI/NDI and the PGIC list are not.
        if "PAIN_AVG" in form:
            check["form_fallback"] = "PAIN_AVG"
        if "PGIC7" in form:
            check["form_questions"] = [c for c in form if c != "PGIC7"]
            if sms_question_count(check) > MAX_SMS_QUESTIONS:
                check["form_questions"] = form
        elif form:
            check["form_questions"] = form
    return protocol


PROTOCOLS: dict[str, dict] = {
    p["code"]: _short_by_text(p, lumbar=p["code"] in LUMBAR_PROCEDURES)
    for p in (
        _VA,
        _SCS,
        _ITDD,
        _ESI,
        _LYSIS,
        _DISC,
        _FACET_SI,
        _NERVE_BLOCK,
        _TUMOR_ABLATION,
        _BIOPSY,
    )
}


# --- evaluation -----------------------------------------------------------------------------------
def _rule_matches(rule: dict, yes_codes: set[str]) -> bool:
    when = rule.get("when") or {}
    all_of = when.get("all") or []
    any_of = when.get("any") or []
    if not all_of and not any_of:
        return False  # an empty condition must never fire on every answer set
    if any(code not in yes_codes for code in all_of):
        return False
    return not any_of or any(code in yes_codes for code in any_of)


def evaluate_rules(rules: list[dict], yes_codes: set[str]) -> list[dict]:
    """Return the rules matched by the YES-answered question codes, most severe tier first.

    A matched rule's ``supersedes`` removes the listed rules when they matched too (a compound
    EMERGENCY replaces the single URGENT it contains). Within a tier the protocol's order is kept.
    """
    yes = set(yes_codes)
    matched = [rule for rule in rules if _rule_matches(rule, yes)]
    replaced = {code for rule in matched for code in rule.get("supersedes", ())}
    kept = [rule for rule in matched if rule["code"] not in replaced]
    return sorted(kept, key=lambda rule: tier_rank(rule["tier"]))


def evaluate_care_gaps(gaps: list[dict], answers: dict[str, bool]) -> list[dict]:
    """Return the care gaps triggered by yes/no answers (``{"BH_MEDS": False, ...}``)."""
    triggered = []
    for gap in gaps:
        answer = answers.get(gap["question"])
        if answer is None:
            continue
        if bool(answer) == (gap["answer"] == "yes"):
            triggered.append(gap)
    return triggered


def get_protocol(code: str) -> dict:
    """The protocol definition for a procedure code; KeyError names the valid codes."""
    try:
        return PROTOCOLS[code]
    except KeyError:
        raise KeyError(f"unknown procedure {code!r}; expected one of {sorted(PROTOCOLS)}") from None


def asked_questions(defn: dict) -> set[str]:
    """Every question code asked at any checkpoint of a protocol."""
    return {code for check in defn.get("checkpoints", []) for code in check.get("questions", [])}


# --- validation -----------------------------------------------------------------------------------
def _is_day(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checkpoint_problems(name: str, check: dict) -> list[str]:
    problems: list[str] = []
    key = check.get("key", "?")
    where = f"{name} checkpoint {key}"
    for field in ("key", "label", "why"):
        if not str(check.get(field) or "").strip():
            problems.append(f"{where}: missing {field}")
    days = {f: check.get(f) for f in ("target_day", "window_open_day", "window_close_day")}
    for field, value in days.items():
        if not _is_day(value):
            problems.append(f"{where}: {field} must be an integer, got {value!r}")
        elif value < 0:
            problems.append(f"{where}: {field} is negative ({value})")
    if all(_is_day(v) for v in days.values()):
        opens, target, closes = (
            days["window_open_day"],
            days["target_day"],
            days["window_close_day"],
        )
        if not opens <= target <= closes:
            problems.append(f"{where}: window {opens}-{closes} does not contain day {target}")
        reminders = check.get("reminders") or {}
        count, spacing = reminders.get("max"), reminders.get("spacing_hours")
        if not (_is_day(count) and count >= 0):
            problems.append(f"{where}: reminders.max must be a non-negative integer")
        elif not (_is_day(spacing) and spacing >= MIN_REMINDER_SPACING_HOURS):
            problems.append(
                f"{where}: reminders.spacing_hours must be at least "
                f"{MIN_REMINDER_SPACING_HOURS} (one unsolicited text a day)"
            )
        elif count * spacing > (closes - opens + 1) * 24:
            problems.append(f"{where}: reminders run past the window's close")
    questions = check.get("questions") or []
    if not questions:
        problems.append(f"{where}: no questions")
    problems.extend(checklist_problems(check, where))
    if all(code in QUESTIONS for code in questions):
        asked = sms_question_count(check)
        if asked > MAX_SMS_QUESTIONS:
            problems.append(
                f"{where}: asks {asked} questions by SMS (limit {MAX_SMS_QUESTIONS}; a checklist "
                "counts once, the baseline pain question counts when it may be added): put red "
                "flags in sms_checklists and other items in form_questions"
            )
    if len(set(questions)) != len(questions):
        problems.append(f"{where}: a question is asked twice")
    for code in questions:
        if code not in QUESTIONS:
            problems.append(f"{where}: unknown question {code!r}")
        else:
            problems.extend(f"{where}: {p}" for p in question_problems(code))
    # Red flags first (a patient who stops early has still been screened), free text last.
    flags = [i for i, code in enumerate(questions) if code.startswith("RF_")]
    others = [i for i, code in enumerate(questions) if not code.startswith("RF_")]
    if flags and others and max(flags) > min(others):
        problems.append(f"{where}: red-flag questions must come before the others")
    free = [
        i for i, code in enumerate(questions) if QUESTIONS.get(code, {}).get("type") == "free_text"
    ]
    if free and free != [len(questions) - 1]:
        problems.append(f"{where}: the free-text question must be last")
    return problems


def _rule_problems(name: str, rule: dict, asked: set[str], rule_codes: set[str]) -> list[str]:
    problems: list[str] = []
    code = rule.get("code", "?")
    where = f"{name} rule {code}"
    tier = rule.get("tier")
    if tier not in TIER_ORDER:
        problems.append(f"{where}: tier {tier!r} is not one of {TIER_ORDER}")
    for field in ("reason", "source"):
        if not str(rule.get(field) or "").strip():
            problems.append(f"{where}: missing {field}")
    when = rule.get("when")
    if not isinstance(when, dict) or not when:
        problems.append(f"{where}: empty condition")
        when = {}
    unknown_keys = set(when) - {"all", "any"}
    if unknown_keys:
        problems.append(f"{where}: condition keys {sorted(unknown_keys)} (only all/any)")
    for key in ("all", "any"):
        codes = when.get(key, [])
        if key in when and not codes:
            problems.append(f"{where}: '{key}' is empty")
        for qcode in codes:
            if not str(qcode).startswith("RF_"):
                problems.append(f"{where}: condition uses non-red-flag question {qcode!r}")
            if qcode not in QUESTIONS:
                problems.append(f"{where}: unknown question {qcode!r}")
            elif qcode not in asked:
                problems.append(f"{where}: question {qcode} is never asked by this protocol")
    if not isinstance(rule.get("stop_survey"), bool):
        problems.append(f"{where}: stop_survey must be True or False")
    elif rule["stop_survey"] != (tier == "EMERGENCY"):
        problems.append(f"{where}: stop_survey must be True exactly for EMERGENCY rules")
    if not isinstance(rule.get("crisis_line"), bool):
        problems.append(f"{where}: crisis_line must be True or False")
    elif rule["crisis_line"] and tier != "EMERGENCY":
        problems.append(f"{where}: a crisis line belongs to an EMERGENCY rule")
    for other in rule.get("supersedes", []):
        if other == code:
            problems.append(f"{where}: supersedes itself")
        elif other not in rule_codes:
            problems.append(f"{where}: supersedes unknown rule {other!r}")
    return problems


def _care_gap_problems(name: str, gap: dict, asked: set[str]) -> list[str]:
    where = f"{name} care gap {gap.get('code', '?')}"
    problems = []
    question = gap.get("question")
    if question not in QUESTIONS or QUESTIONS[question]["type"] != "yes_no":
        problems.append(f"{where}: question {question!r} is not a known yes/no question")
    elif question not in asked:
        problems.append(f"{where}: question {question} is never asked by this protocol")
    if gap.get("answer") not in ("yes", "no"):
        problems.append(f"{where}: answer must be 'yes' or 'no'")
    if gap.get("tier") != "ROUTINE":
        problems.append(f"{where}: care gaps are ROUTINE (safety signals belong in RF_ rules)")
    for field in ("code", "reason", "source"):
        if not str(gap.get(field) or "").strip():
            problems.append(f"{where}: missing {field}")
    return problems


def validate_protocol(defn: dict) -> list[str]:
    """List the problems in a protocol definition; an empty list means it is safe to use."""
    name = str(defn.get("code") or "?")
    problems: list[str] = []
    for field in ("code", "name", "summary"):
        if not str(defn.get(field) or "").strip():
            problems.append(f"{name}: missing {field}")
    version = defn.get("version")
    if not (_is_day(version) and version >= 1):
        problems.append(f"{name}: version must be a positive integer")
    if not defn.get("sources"):
        problems.append(f"{name}: missing sources")

    checkpoints = defn.get("checkpoints") or []
    if not checkpoints:
        problems.append(f"{name}: no checkpoints")
    keys = [check.get("key") for check in checkpoints]
    for key in sorted({k for k in keys if keys.count(k) > 1}, key=str):
        problems.append(f"{name}: duplicate checkpoint key {key!r}")
    for check in checkpoints:
        problems.extend(_checkpoint_problems(name, check))

    asked = asked_questions(defn)
    rules = defn.get("red_flag_rules") or []
    rule_codes = [rule.get("code") for rule in rules]
    for code in sorted({c for c in rule_codes if rule_codes.count(c) > 1}, key=str):
        problems.append(f"{name}: duplicate rule code {code!r}")
    for rule in rules:
        problems.extend(_rule_problems(name, rule, asked, set(rule_codes)))

    covered = {
        qcode
        for rule in rules
        for key in ("all", "any")
        for qcode in (rule.get("when") or {}).get(key, [])
    }
    for qcode in sorted(asked):
        if qcode.startswith("RF_") and qcode not in covered:
            problems.append(f"{name}: red-flag question {qcode} is asked but no rule uses it")

    for gap in defn.get("care_gaps", []):
        problems.extend(_care_gap_problems(name, gap, asked))
    return problems
