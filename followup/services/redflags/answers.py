"""Red flags from a check's answers: the enrollment's pinned protocol rules and care gaps."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from ...flags import flag_create
from ...models import Answer, AnswerStatus, Checkpoint, Flag, Tier
from ...protocol_data import evaluate_care_gaps, evaluate_rules
from .result import RedFlagResult, finish


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
        gap_flags: list[tuple[Flag, bool]] = []
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
            gap_flags.append((flag, False))
        return finish(
            patient=patient,
            clinic=enrollment.clinic,
            enrollment=enrollment,
            checkpoint=checkpoint,
            new=new,
            separate=gap_flags,
            stop_survey=any(rule.get("stop_survey") for rule in matched),
            reply_via_outbox=reply_via_outbox,
            now=now,
        )
