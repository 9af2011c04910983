"""One check's history rows: texts out and in, answers, scores, flags, escalations, events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from followup.instruments.registry import instrument_for
from followup.models import (
    Answer,
    Escalation,
    Flag,
    Page,
    Score,
    TimelineEvent,
)
from followup.odi import odi_score
from followup.questions import QUESTIONS
from notifications.inbound import reply_key
from notifications.models import InboundMessage, OutboundMessage

from .spec import (
    answer_value,
)


class BenchHistory:
    """The generator's rows after a check opened (mixed into ``BenchGenerator``)."""

    def _outbound(self, patient, cp_id, key, purpose, at, unsolicited, body=None) -> int:
        copier = self.copiers[OutboundMessage]
        message_id = copier.new_id()
        return copier.add(
            id=message_id,
            idempotency_key=key,
            channel="sms",
            to=patient["phone"],
            body=body or "Bench Spine: how are you doing after your procedure? Reply STOP to end.",
            purpose=purpose,
            unsolicited=unsolicited,
            status="delivered",
            provider_id=f"SMbench{message_id:025d}",
            provider_status="delivered",
            attempts=1,
            next_attempt_at=at,
            patient_id=patient["id"],
            checkpoint_id=cp_id,
            created_at=at,
            sending_started_at=at,
            sent_at=at,
            delivered_at=at,
            updated_at=at,
        )

    def _answers(self, codes, *, cp_id, opened, patient, baseline) -> None:
        rng = self.rng
        answers, inbound = self.copiers[Answer], self.copiers[InboundMessage]
        at = opened
        values: dict[str, object] = {}
        for code in codes:
            at += dt.timedelta(seconds=rng.randint(20, 400))
            value, raw = answer_value(code, rng, baseline)
            values[code] = value
            inbound_id = None
            if QUESTIONS[code]["type"] != "web_form":
                inbound_id = inbound.new_id()
                sid = f"SMin{inbound_id:028d}"
                inbound.add(
                    id=inbound_id,
                    message_sid=sid,
                    from_number=patient["phone"],
                    to_number="+15005550006",
                    body=raw,
                    params={},
                    status="processed",
                    kind="survey_answer",
                    patient_id=patient["id"],
                    checkpoint_id=cp_id,
                    received_at=at,
                    processed_at=at,
                    attempts=1,
                )
                self._outbound(
                    patient, cp_id, reply_key(sid), "question", at, False, "Next question"
                )
            answers.add(
                checkpoint_id=cp_id,
                question_code=code,
                instrument=instrument_for(code),
                raw_text=raw,
                value=value,
                status="answered",
                attempts=1,
                answered_at=at,
                inbound_message_id=inbound_id,
            )
        scores = self.copiers[Score]
        for code, kind in (("PAIN_NOW", "NRS_NOW"), ("PAIN_AVG", "NRS_AVG")):
            if isinstance(values.get(code), int):
                scores.add(
                    checkpoint_id=cp_id,
                    kind=kind,
                    value=Decimal(values[code]),
                    details={"instrument": "nrs"},
                    computed_at=at,
                )
        if isinstance(values.get("ODI"), dict):
            result = odi_score(values["ODI"])
            if result is not None:
                scores.add(
                    checkpoint_id=cp_id,
                    kind="ODI",
                    value=result["percent"],
                    details={"sum": result["sum"], "answered": result["answered"]},
                    computed_at=at,
                )

    def _event(self, patient, enrollment_id, kind, summary, at, data, escalation_id=None) -> None:
        self.copiers[TimelineEvent].add(
            patient_id=patient["id"],
            enrollment_id=enrollment_id,
            escalation_id=escalation_id,
            kind=kind,
            summary=summary[:300],
            data=data,
            at=at,
        )

    def _maybe_flag(self, plan, patient, enrollment, cp_id, opened, row) -> None:
        """About 4 % of answered checks raised a red flag: flag, escalation, page, timeline."""
        rng = self.rng
        if rng.random() >= 0.04:
            return
        rule = rng.choice(plan["protocol"].red_flag_rules)
        at = opened + dt.timedelta(minutes=rng.randint(1, 60))
        escalations = self.copiers[Escalation]
        esc_id = escalations.new_id()
        key = (patient["id"], rule["code"])
        unresolved = self.open_escalations_left > 0 and key not in self.open_escalation_keys
        if unresolved:
            self.open_escalations_left -= 1
            self.open_escalation_keys.add(key)
            # Recent, so the queue and its ages look like a working morning.
            at = self.as_of - dt.timedelta(minutes=rng.randint(5, 600))
            status = rng.choice(["open", "acknowledged"])
        else:
            status = "resolved"
        acked = at + dt.timedelta(minutes=rng.randint(2, 40))
        owner = self.primary[enrollment["clinic_id"]]
        escalations.add(
            id=esc_id,
            clinic_id=enrollment["clinic_id"],
            patient_id=patient["id"],
            enrollment_id=enrollment["id"],
            tier=rule["tier"],
            kind=rule["code"],
            reason=rule["reason"][:200],
            code=str(esc_id),
            status=status,
            created_at=at,
            current_step=1,
            # Re-pages stay in the future: the benchmarks' sweeps must not page the whole queue.
            next_page_at=(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))
            if status == "open"
            else None,
            owner_id=owner if status != "open" else None,
            acknowledged_at=acked if status != "open" else None,
            acknowledged_by_id=owner if status != "open" else None,
            acknowledged_via="sms" if status != "open" else "",
            resolved_at=acked + dt.timedelta(hours=2) if status == "resolved" else None,
            resolved_by_id=owner if status == "resolved" else None,
            outcome="reached_reassured" if status == "resolved" else "",
            resolution_note="Called back, reassured." if status == "resolved" else "",
        )
        self.copiers[Flag].add(
            patient_id=patient["id"],
            enrollment_id=enrollment["id"],
            checkpoint_id=cp_id,
            escalation_id=esc_id,
            rule_code=rule["code"],
            tier=rule["tier"],
            reason=rule["reason"][:200],
            evidence="yes",
            source=rule.get("source", "")[:200],
            created_at=at,
        )
        page_message = self.copiers[OutboundMessage].new_id()
        self.copiers[OutboundMessage].add(
            id=page_message,
            idempotency_key=f"page:{esc_id}:0:{owner}:sms",
            channel="sms",
            to="+15125550999",
            body=f"Bench Spine {rule['tier']} flag {esc_id}. Reply ACK {esc_id}",
            purpose="page",
            status="delivered",
            provider_id=f"SMbench{page_message:025d}",
            provider_status="delivered",
            attempts=1,
            next_attempt_at=at,
            recipient_user_id=owner,
            created_at=at,
            sent_at=at,
            updated_at=at,
        )
        self.copiers[Page].add(
            escalation_id=esc_id,
            step=0,
            recipient_id=owner,
            channel="sms",
            outbound_message_id=page_message,
            created_at=at,
        )
        base = {"code": str(esc_id), "tier": rule["tier"]}
        eid = enrollment["id"]
        self._event(
            patient, eid, "escalation_opened", f"{rule['tier']} escalation", at, base, esc_id
        )
        self._event(patient, eid, "page_sent", "Paged the on-call physician", at, base, esc_id)
        if status != "open":
            self._event(
                patient, eid, "escalation_acknowledged", "Acknowledged", acked, base, esc_id
            )
        if status == "resolved":
            done = acked + dt.timedelta(hours=2)
            self._event(patient, eid, "escalation_resolved", "Resolved", done, base, esc_id)
