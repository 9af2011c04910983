"""Red flags: turn a patient's answers or words into flags, escalations and a safety reply.

Two ways in, one way out. :func:`redflags_from_answers` runs the enrollment's pinned protocol
rules over the YES answers to ``RF_*`` questions; :func:`redflags_from_text` screens free text.
Both create :class:`~followup.models.Flag` rows, hand each to ``escalation_raise`` (one open
escalation per patient and kind) and return what the patient must be told now.

The caller that answers an inbound SMS puts ``patient_reply`` in its TwiML response; any other
caller (the web form) passes ``reply_via_outbox=True`` and the reply goes out through the outbox.
A clinician's "ACK 4821" comes in on the same webhook: :func:`escalation_handle_clinician_sms`
answers it, or returns None when the number is not a clinician's.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from notifications.outbox import outbox_enqueue
from patients.models import Patient
from patients.senders import patient_sender

from ..flags import flag_create
from ..models import Answer, AnswerStatus, Checkpoint, Enrollment, Escalation, Flag, Tier
from ..protocol_data import PROTOCOLS, evaluate_care_gaps, evaluate_rules
from ..safety import safety_reply
from ..screening_shadow import shadow_compare
from ..tiers import highest
from ..timeline import timeline_add
from .escalations import (
    clinician_memberships_for_phone,
    escalation_ack_by_sms,
    escalation_raise,
)

logger = logging.getLogger(__name__)

# Kind of the ROUTINE flag for a text that may describe a symptom but matched no rule: one open
# triage item per patient collects them all.
TEXT_REVIEW = "TEXT_REVIEW"


@dataclass
class RedFlagResult:
    tier: str | None  # highest tier raised by this call, None if nothing
    flags: list[Flag] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    stop_survey: bool = False  # an EMERGENCY rule says: stop asking questions
    patient_reply: str = ""  # the safety instruction to send the patient now, in their language
    # The screener was unsure about a body symptom: the conversation sends the safety screen.
    needs_safety_screen: bool = False


def _reply_for(patient: Patient, clinic, tier: str | None, crisis_line: bool) -> str:
    language = patient.language or "en"
    instruction = getattr(clinic, f"emergency_instruction_{language}", "") or ""
    return safety_reply(
        tier=tier,
        language=language,
        clinic_name=clinic.name,
        crisis_line=crisis_line,
        emergency_instruction=instruction,
    )


def _finish(
    *,
    patient: Patient,
    clinic,
    enrollment: Enrollment | None,
    checkpoint: Checkpoint | None,
    new: list[tuple[Flag, bool]],
    stop_survey: bool,
    reply_via_outbox: bool,
    now: dt.datetime,
) -> RedFlagResult:
    """Escalate the new flags and work out what the patient is told; ``new``: (flag, crisis)."""
    escalations: dict[int, Escalation] = {}
    for flag, _crisis in new:
        escalation, _created = escalation_raise(flag=flag, now=now)
        escalations[escalation.pk] = escalation
    flags = [flag for flag, _ in new]
    tier = highest(flag.tier for flag in flags)
    reply = _reply_for(patient, clinic, tier, any(crisis for _, crisis in new)) if flags else ""
    if reply and reply_via_outbox:
        _send_reply(
            patient=patient,
            enrollment=enrollment,
            checkpoint=checkpoint,
            text=reply,
            key_flag=flags[0],
            now=now,
        )
    return RedFlagResult(
        tier=tier,
        flags=flags,
        escalations=list(escalations.values()),
        stop_survey=stop_survey,
        patient_reply=reply,
    )


def _send_reply(
    *,
    patient: Patient,
    enrollment: Enrollment | None,
    checkpoint: Checkpoint | None,
    text: str,
    key_flag: Flag,
    now: dt.datetime,
) -> None:
    """Send the safety instruction now. It answers what the patient told us: not unsolicited."""
    if patient.can_text:
        channel, to = "sms", patient.phone
    elif patient.can_email:
        channel, to = "email", patient.email
    else:
        timeline_add(
            patient=patient,
            enrollment=enrollment,
            kind="safety_reply_undeliverable",
            summary="Safety instruction could not be sent: no working phone or email",
            data={"flag": key_flag.pk, "text": text},
            at=now,
        )
        logger.error("safety reply for flag %s: patient %s unreachable", key_flag.pk, patient.pk)
        return
    message = outbox_enqueue(
        key=f"safety:flag:{key_flag.pk}",
        channel=channel,
        to=to,
        sender=patient_sender(patient),
        body=text,
        subject=f"{patient.clinic.name}: important" if channel == "email" else "",
        purpose="safety",
        patient=patient,
        checkpoint=checkpoint,
        now=now,
    )
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="safety_reply",
        summary=f"Safety instruction sent by {channel}",
        data={"flag": key_flag.pk, "outbound": message.pk, "text": text},
        at=now,
    )


# --- answers -------------------------------------------------------------------------------------
def _answer_evidence(rule: dict, answers: dict[str, Answer]) -> tuple[str, int | None]:
    when = rule.get("when") or {}
    codes = [c for c in [*when.get("all", []), *when.get("any", [])] if c in answers]
    parts = [f"{code}: {answers[code].raw_text or 'yes'}" for code in codes]
    latest = max((answers[c] for c in codes), key=lambda a: a.answered_at, default=None)
    return "; ".join(parts), (latest.inbound_message_id if latest else None)


def redflags_from_answers(
    *,
    checkpoint: Checkpoint,
    now: dt.datetime | None = None,
    reply_via_outbox: bool = False,
) -> RedFlagResult:
    """Run the enrollment's pinned protocol rules over the check's YES answers to RF_ questions.

    Idempotent: a rule already flagged for this check is not flagged again, so calling this after
    every answer (or twice for the same answers) raises each flag once, and ``patient_reply`` only
    speaks for the flags raised by this call. ``stop_survey`` is a state, not an event: it stays
    True for as long as an EMERGENCY rule matches the check's answers.

    The protocol's care gaps (a "no" to bone-health medicine, a fall...) become ROUTINE flags for
    the next triage review: no page, nothing said to the patient.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Serialises two deliveries of answers for the same check: one evaluates, the other waits.
        checkpoint = (
            Checkpoint.objects.select_for_update(of=("self",))
            .select_related(
                "enrollment__patient__clinic", "enrollment__clinic", "enrollment__protocol"
            )
            .get(pk=checkpoint.pk)
        )
        enrollment = checkpoint.enrollment
        patient = enrollment.patient
        definition = enrollment.protocol.definition
        answers = {
            a.question_code: a for a in checkpoint.answers.filter(status=AnswerStatus.ANSWERED)
        }
        yes = {code for code, a in answers.items() if code.startswith("RF_") and a.value is True}
        matched = evaluate_rules(definition.get("red_flag_rules", []), yes)
        yes_no = {code: a.value for code, a in answers.items() if isinstance(a.value, bool)}
        gaps = evaluate_care_gaps(definition.get("care_gaps", []), yes_no)
        already = set(
            Flag.objects.filter(checkpoint=checkpoint).values_list("rule_code", flat=True)
        )

        new: list[tuple[Flag, bool]] = []
        for rule in matched:
            if rule["code"] in already:
                continue
            evidence, inbound_id = _answer_evidence(rule, answers)
            flag = flag_create(
                patient=patient,
                enrollment=enrollment,
                checkpoint=checkpoint,
                rule_code=rule["code"],
                tier=rule["tier"],
                reason=rule.get("reason", rule["code"]),
                evidence=evidence,
                source=rule.get("source", ""),
                inbound_message_id=inbound_id,
                now=now,
            )
            new.append((flag, bool(rule.get("crisis_line"))))
        for gap in gaps:
            if gap["code"] in already:
                continue
            answer = answers[gap["question"]]
            flag = flag_create(
                patient=patient,
                enrollment=enrollment,
                checkpoint=checkpoint,
                rule_code=gap["code"],
                tier=Tier.ROUTINE,
                reason=gap["reason"],
                evidence=f"{gap['question']}: {answer.raw_text or gap['answer']}",
                source=gap.get("source", ""),
                inbound_message_id=answer.inbound_message_id,
                now=now,
            )
            new.append((flag, False))
        return _finish(
            patient=patient,
            clinic=enrollment.clinic,
            enrollment=enrollment,
            checkpoint=checkpoint,
            new=new,
            stop_survey=any(rule.get("stop_survey") for rule in matched),
            reply_via_outbox=reply_via_outbox,
            now=now,
        )


# --- free text -----------------------------------------------------------------------------------
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
    from ..screening import screen_text

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
        result = _finish(
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


# --- clinician replies ---------------------------------------------------------------------------
_CODE = re.compile(r"(?<!\d)\d{4,8}(?!\d)")
# Words that may stand around the code in an acknowledgement ("ACK 4821", "got it 4821 thx").
# fmt: off
_ACK_WORDS = {
    "ack", "acked", "acknowledge", "acknowledged", "ok", "okay", "k", "yes", "y", "got", "it",
    "mine", "on", "taking", "take", "accept", "accepted", "confirm", "confirmed", "roger",
    "thanks", "thx", "calling", "will", "call", "code", "flag", "page", "and",
    "si", "sí", "recibido", "lo", "tengo", "gracias",
}
# fmt: on
_REFUSALS = {"no", "not", "cant", "can't", "cannot", "unable", "decline", "busy", "nope"}
_HELP = "To acknowledge a page, reply ACK and its code, e.g. ACK 4821."


def parse_ack(body: str) -> list[str] | None:
    """The codes a clinician's text acknowledges, or None if it is not an acknowledgement.

    Accepts "ACK 4821", "4821 ok", "ack4821", "Ack: #4821", a bare "4821". Refuses texts that
    carry a code but say something else ("can't take 4821", "who is 4821?"): those get help.
    """
    lowered = (body or "").lower()
    codes = _CODE.findall(lowered)
    if not codes:
        return None
    words = re.findall(r"[a-zñí']+", _CODE.sub(" ", lowered))
    if any(word in _REFUSALS for word in words) or "?" in lowered:
        return None
    if any(word not in _ACK_WORDS for word in words):
        return None
    return list(dict.fromkeys(codes))


def escalation_handle_clinician_sms(
    *, from_number: str, body: str, now: dt.datetime | None = None
) -> str | None:
    """Handle a text from a clinician's page phone; return the reply, or None if not a clinician.

    Only a clinician who was paged for that escalation can acknowledge it by text; anyone else is
    told so and nothing changes. A text that is not an acknowledgement gets a one-line help reply,
    unless the number also belongs to a patient (then the patient flow gets it: return None).
    """
    now = now or timezone.now()
    memberships = clinician_memberships_for_phone((from_number or "").strip())
    if not memberships:
        return None
    codes = parse_ack(body)
    if codes is None:
        if Patient.objects.filter(phone=from_number).exists():
            return None
        return _HELP
    replies = [escalation_ack_by_sms(memberships=memberships, code=code, now=now) for code in codes]
    return " ".join(replies)
