"""Red flags from a patient's free text: the screener's findings, named as the protocol's rules."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from patients.models import Patient

from ...flags import flag_create
from ...models import Checkpoint, Enrollment, Flag, Tier
from ...protocol_data import PROTOCOLS
from ...screening_shadow import shadow_compare
from .result import RedFlagResult, finish

# Kind of the ROUTINE flag for a text that may describe a symptom but matched no rule: one open
# triage item per patient collects them all.
TEXT_REVIEW = "TEXT_REVIEW"

# The screener names some findings differently from the protocols' rules. When the enrollment's
# protocol has the rule, the text's flag takes the rule's code, so "I cant feel down there" joins
# the escalation a YES to the bladder/saddle question opened (one escalation per patient and kind).
_TEXT_TO_RULE = {
    "SADDLE": "BLADDER_BOWEL",
    "SELF_HARM": "ITDD_MOOD",
    "LOW_MOOD": "ITDD_MOOD",
    "PUMP_ALARM": "ITDD_ALARM",
    "SEXUAL_DYSFUNCTION": "LYSIS_SEXUAL_FUNCTION",
    "STIFF_NECK": "NECK_CONFUSION",
    "CONFUSION": "NECK_CONFUSION",
}
# Reasons for the screener's findings that no protocol rule describes (staff read these).
_TEXT_REASONS = {
    "SADDLE": "Numbness in the groin or inner thighs (saddle area)",
    "HEADACHE": "Headache mentioned in a text",
    "CONFUSION": "Confusion mentioned in a text",
    "STIFF_NECK": "Stiff neck mentioned in a text",
    "COLLAPSE": "Fainting, collapse or seizure mentioned in a text",
    "SELF_HARM": "Thoughts of self-harm",
    "LOW_MOOD": "Low mood",
    "PUMP_ALARM": "Pump alarm",
    "SEXUAL_DYSFUNCTION": "New sexual dysfunction",
    "PAIN_WORSE": "Pain worse than before",
    "UNCLASSIFIED_SYMPTOM": "Text may describe a symptom: needs a nurse's review",
    # Codes of the concept engine's rules that no protocol rule names (rules.yaml).
    "ANAPHYLAXIS": "Allergic reaction with throat, tongue or breathing involvement",
    "SEPSIS": "Fever with a racing heart or confusion (possible sepsis)",
    "STROKE_SIGNS": "Stroke signs (face drooping, one-sided weakness, slurred speech)",
    "SPINAL_HAEMATOMA": "Sudden severe back pain with weakness or on an anticoagulant",
    "BACK_PAIN_SUDDEN": "Sudden severe back pain",
    "CSF_LEAK": "Clear watery fluid leaking from the wound",
    "SHOOTING_PAIN": "New shooting leg or arm pain",
    "RASH": "Rash or hives",
    "DIZZY": "Dizziness",
    "FAST_HEART": "Racing heart or palpitations",
    "HEADACHE_VISION": "Headache with blurred or double vision",
    "DEVICE_PROBLEM": "Problem with the stimulator or its charger",
}
_TEXT_SOURCE = "free-text screening (followup.screening)"


def _rule_for(enrollment: Enrollment | None, code: str) -> dict:
    """The enrollment's protocol rule for a screener code (directly or by alias), or {}."""
    if enrollment is None:
        return {}
    rules = {rule.get("code"): rule for rule in enrollment.protocol.red_flag_rules}
    return rules.get(code) or rules.get(_TEXT_TO_RULE.get(code, "")) or {}


def _supersedes(enrollment: Enrollment | None) -> dict[str, list[str]]:
    # Without an enrollment, the rules every procedure shares (NERVE_BLOCK has exactly those).
    rules = (
        enrollment.protocol.red_flag_rules
        if enrollment
        else PROTOCOLS["NERVE_BLOCK"]["red_flag_rules"]
    )
    return {rule["code"]: rule.get("supersedes", []) for rule in rules}


def _known_reason(code: str) -> str:
    if code in _TEXT_REASONS:
        return _TEXT_REASONS[code]
    for protocol in PROTOCOLS.values():
        for rule in protocol["red_flag_rules"]:
            if rule["code"] == code:
                return rule["reason"]
    return f"Patient text: {code}"


def redflags_from_text(
    *,
    patient: Patient,
    text: str,
    enrollment: Enrollment | None = None,
    checkpoint: Checkpoint | None = None,
    inbound_message_id: int | None = None,
    now: dt.datetime | None = None,
    reply_via_outbox: bool = False,
) -> RedFlagResult:
    """Screen a patient's free text; flag what it says, or send what it may say to triage.

    A symptom the screener recognises raises a flag of its tier (its code is the rule code, so a
    text about breathing joins an open escalation raised by a YES to the breathing question). A
    text that may describe a symptom but cannot be classified raises a ROUTINE flag
    (``UNCLASSIFIED_SYMPTOM``) for the triage queue: nothing a patient writes ends unseen.
    Benign text raises nothing.

    Idempotent per inbound message (or per check and text when there is no message id).
    """
    from ...screening import screen_text

    now = now or timezone.now()
    text = text or ""
    if enrollment is None and checkpoint is not None:
        enrollment = checkpoint.enrollment
    if enrollment is None:
        enrollment = (
            Enrollment.objects.filter(patient=patient, status="active")
            .select_related("protocol")
            .order_by("-performed_on", "-id")
            .first()
        )
    procedure = enrollment.procedure if enrollment else None
    days_since = (now.date() - enrollment.performed_on).days if enrollment else None
    screening = screen_text(
        text, language=patient.language or "en", procedure=procedure, days_since=days_since
    )
    unsure = bool(getattr(screening, "needs_safety_screen", False))
    shadow_compare(
        live=screening,
        text=text,
        language=patient.language or "en",
        procedure=procedure,
        days_since=days_since,
        clinic_id=patient.clinic_id,
        patient_id=patient.pk,
        inbound_message_id=inbound_message_id,
    )
    # (code, tier, reason, source, evidence, crisis line)
    candidates: list[tuple[str, str, str, str, str, bool]] = []
    for match in getattr(screening, "matches", ()) or ():
        rule = _rule_for(enrollment, match.code)
        code = rule.get("code") or match.code
        reason = rule.get("reason") or _known_reason(match.code)
        source = f"{_TEXT_SOURCE}; rule: {rule['source']}" if rule else _TEXT_SOURCE
        words = getattr(match, "evidence", "")
        evidence = f"{text.strip()} [matched: {words}]" if words else text.strip()
        # The screener resolves the tier for the procedure; it stands even where the rule differs.
        crisis = bool(getattr(match, "crisis_line", False))
        same = next((i for i, c in enumerate(candidates) if c[0] == code), None)
        if same is None:
            candidates.append((code, match.tier, reason, source, evidence, crisis))
        elif crisis and not candidates[same][5]:
            # Two findings under one rule (stiff neck and confusion): one flag, keeping the
            # higher tier (matches come highest first) and the crisis line if either has it.
            candidates[same] = (*candidates[same][:5], True)
    # As for answers: "fever with a severe headache" is the compound rule, not also plain fever.
    replaced = {old for c in candidates for old in _supersedes(enrollment).get(c[0], ())}
    candidates = [c for c in candidates if c[0] not in replaced]
    if not candidates and getattr(screening, "needs_human", False):
        candidates.append(
            (
                TEXT_REVIEW,
                Tier.ROUTINE,
                "Patient text may describe a symptom: needs a nurse's review",
                "DESIGN rule 5: free text that may be a symptom goes to a human",
                text.strip(),
                False,
            )
        )
    if not candidates:
        return RedFlagResult(tier=None, needs_safety_screen=unsure)

    clinic = enrollment.clinic if enrollment else patient.clinic
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()  # one screening at a time
        existing = Flag.objects.filter(patient=patient)
        if inbound_message_id is not None:
            existing = existing.filter(inbound_message_id=inbound_message_id)
        elif checkpoint is not None:
            existing = existing.filter(
                checkpoint=checkpoint, evidence__startswith=text.strip()[:100]
            )
        else:
            existing = Flag.objects.none()
        already = set(existing.values_list("rule_code", flat=True))
        new: list[tuple[Flag, bool]] = []
        for code, tier, reason, source, evidence, crisis in candidates:
            if code in already:
                continue
            flag = flag_create(
                patient=patient,
                enrollment=enrollment,
                checkpoint=checkpoint,
                rule_code=code,
                tier=tier,
                reason=reason,
                evidence=evidence,
                source=source,
                inbound_message_id=inbound_message_id,
                now=now,
            )
            new.append((flag, crisis))
        result = finish(
            patient=patient,
            clinic=clinic,
            enrollment=enrollment,
            checkpoint=checkpoint,
            new=new,
            stop_survey=any(tier == Tier.EMERGENCY for _, tier, *_ in candidates),
            reply_via_outbox=reply_via_outbox,
            now=now,
        )
        result.needs_safety_screen = unsure and not result.stop_survey
        return result
