"""Call-back scripts: what the nurse says and asks when phoning a flagged patient.

One script per flag: the tier sets the frame (how fast, when to send the patient to emergency
care), the rule adds the questions that tell a benign answer from a dangerous one. The clinical
content follows DOMAIN.md's red-flag list and its sources (000-004); wording is the project's.
The clinic's own name, phone and emergency instruction are filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

from patients.models import Clinic

from ..models import Tier

_INFECTION = [
    "What is your temperature now, and when did you last take it? Any shaking chills?",
    "Any severe headache, stiff neck, confusion or unusual sleepiness? (any one with fever: emergency)",
    "Any new back pain at the procedure level, redness or drainage at the site?",
]
_NEURO = [
    "Is the weakness or numbness getting worse right now? Can you stand and walk as before?",
    "Any loss of bladder or bowel control, or numbness between the legs / inner thighs?",
    "When did it start, relative to the procedure?",
]
_RULE_QUESTIONS: dict[str, list[str]] = {
    "FEVER_MENINGISM": _INFECTION,
    "FEVER": _INFECTION,
    "NECK_CONFUSION": [
        "Is the patient confused now? (if you are talking to a family member, ask them)",
        "Any fever, chills or severe headache? (with fever: emergency)",
    ],
    "WEAKNESS": _NEURO,
    "BLADDER_BOWEL": _NEURO,
    "SOB_CHEST": [
        "Are you short of breath or having chest pain right now, at rest?",
        "Any coughing up blood, racing heart, dizziness or fainting?",
    ],
    "HEADACHE_SEVERE": [
        "Did the headache start suddenly, or has it been getting steadily worse?",
        "Any confusion, vomiting, weakness, vision change or stiff neck?",
    ],
    "HEADACHE_POSITIONAL": [
        "Is the headache better lying flat and worse sitting or standing?",
        "Any fever, stiff neck, or a headache that is now constant or getting worse? (emergency)",
        "Can you drink fluids? Explain the plan your physician uses for a post-puncture headache.",
    ],
    "WOUND": [
        "Describe the site: redness (how wide?), swelling, warmth, pus or fluid, opening wound?",
        "Any fever or chills? (with fever: same-day review)",
        "Ask for a photo through the clinic's secure channel if your clinic uses one.",
    ],
    "NUMB_TINGLE": [
        "Where exactly is the numbness, tingling or shooting pain? Is it spreading?",
        "Any weakness, or bladder / bowel change? (either one: emergency)",
    ],
    "VA_FLANK_DIZZY": [
        "Flank, belly or groin pain with dizziness after augmentation can be bleeding: emergency.",
        "Any fainting, pale clammy skin or racing heart?",
    ],
    "VA_ADJACENT_PAIN": [
        "Is the new pain above or below the treated level? Sudden onset, after a fall or lift?",
        "Any weakness or numbness in the legs? (emergency)",
    ],
    "SCS_BATTERY_SITE": [
        "Redness, swelling, warmth or drainage over the battery? Any fever?",
        "Is the skin over the device intact?",
    ],
    "SCS_SKIN_BREAKDOWN": [
        "Is the device or lead visible through the skin? Any drainage or fever?",
        "Keep the area covered and clean; arrange a same-day wound review.",
    ],
    "SCS_COVERAGE": [
        "Has the stimulation moved or stopped covering the painful area? Since when?",
        "Any fall or unusual movement? Book a device check with the representative.",
    ],
    "ITDD_SLEEPY": [
        "Possible overdose from the pump: is the patient hard to wake, confused, or breathing slowly?",
        "If yes: emergency services now. Have someone stay with the patient.",
    ],
    "ITDD_WITHDRAWAL": [
        "Itching, sweating, fever, muscle stiffness or seizures can be baclofen withdrawal: emergency.",
        "When was the last refill? Any pump alarm?",
    ],
    "ITDD_MOOD": [
        "Ask directly: are you thinking of harming yourself? Do you have a plan?",
        "Give the crisis line (988 in the US) and do not end the call until a safe plan is in place.",
    ],
    "ITDD_ALARM": [
        "What does the alarm say or sound like? Since when?",
        "Any sleepiness, confusion, itching, sweating or stiffness? (emergency)",
        "Book a pump interrogation today.",
    ],
    "ITDD_NAUSEA_URINE": [
        "How long has the nausea or difficulty passing urine lasted? Can you keep fluids down?",
        "Any sleepiness or confusion? (emergency)",
    ],
    "ESI_SUGAR": [
        "What are the latest blood sugar readings, and what is usual for you?",
        "Any thirst, frequent urination, confusion or vomiting? Who manages your diabetes?",
    ],
    "LYSIS_SEXUAL_FUNCTION": [
        "What has changed, and since when? Any bladder or bowel change or saddle numbness? (emergency)",
    ],
    "DISCITIS_SIGNS": _INFECTION,
    "DISC_BACK_WORSE": [
        "How much worse is the back pain, and is it there at rest and at night?",
        "Any fever or chills? (possible disc infection: same-day review)",
    ],
    "FACET_BURNING": [
        "Burning or numbness over the treated area is common after radiofrequency and usually settles.",
        "Any weakness, or is it getting steadily worse? (then same-day review)",
    ],
    "TA_NEW_BACK_PAIN": [
        "Where is the new pain, and is it getting worse? Any weakness or numbness? (emergency)",
    ],
    "TEXT_REVIEW": [
        "Read the patient's message (below) and ask what they meant.",
        "Ask the red-flag screen: fever, weakness, bladder or bowel change, breathing, headache.",
    ],
}
_CARE_GAP_QUESTIONS = [
    "Ask about the missing step of care (bone health medicine, bone density scan, imaging, falls).",
    "Offer to book it or to pass it to the physician.",
]


@dataclass(frozen=True)
class CallScript:
    opening: str
    questions: list[str]
    if_emergency: str
    if_no_answer: str
    closing: str


def callback_script(
    *, clinic: Clinic, tier: str, rule_code: str, physician_name: str = ""
) -> CallScript:
    """The script for one flag, with the clinic's details filled in."""
    emergency = (
        clinic.emergency_instruction_en
        or "Call 911 now or go to the nearest emergency department. Do not drive yourself."
    )
    opening = (
        f"This is [your name], a nurse at {clinic.name}, calling about the message you sent us. "
        "Confirm you are speaking with the patient: full name and date of birth."
    )
    if tier == Tier.EMERGENCY:
        opening += " Ask first: is this happening right now?"
    questions = _RULE_QUESTIONS.get(rule_code) or (
        _CARE_GAP_QUESTIONS if tier == Tier.ROUTINE else _RULE_QUESTIONS["TEXT_REVIEW"]
    )
    if tier == Tier.EMERGENCY:
        if_no_answer = (
            "Call again at once, then any emergency contact on file; leave a message to call "
            f"{clinic.phone} or 911. Tell the physician on call"
            + (f" ({physician_name})" if physician_name else "")
            + " and follow the clinic's welfare-check policy."
        )
    elif tier == Tier.URGENT:
        if_no_answer = (
            f"Leave a message to call {clinic.phone} today. Try again within 2 hours; before the end "
            "of the day tell the physician on call."
        )
    else:
        if_no_answer = f"Leave a message to call {clinic.phone}. Try again next business day."
    return CallScript(
        opening=opening,
        questions=list(questions),
        if_emergency=f"If any answer is an emergency sign: \u201c{emergency}\u201d Stay on the line until "
        "they confirm the plan.",
        if_no_answer=if_no_answer,
        closing="Tell them which symptoms mean calling 911 and when the clinic will call next. "
        "Resolve the flag with the outcome and a note of what you advised.",
    )
