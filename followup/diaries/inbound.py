"""A patient's text that answers an open diary prompt (called by ``followup.conversation.incoming``
after an open check and before ordinary free text).

Only a clean answer is taken (a bare 0-10 for a block, the four short answers for a trial day):
anything else falls through to free text, where it is kept on the timeline and screened for red
flags, so "7 and I have a fever" never disappears into a diary.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from notifications.models import OutboundPurpose
from notifications.outbox import outbox_enqueue
from patients.senders import patient_sender

from .. import messages as msg
from ..messages import render
from ..models import DiaryEntry, DiaryKind, Enrollment, EnrollmentStatus
from ..relief.assess import Assessment
from ..timeline import timeline_add
from .schedule import LATE_ANSWER_HOURS
from .sending import patient_language
from .services import diary_answer_record, diary_block_assessment, diary_scs_day_record

logger = logging.getLogger(__name__)

# Trial-day words in both languages (the prompt shows the English or the Spanish ones).
_FUNCTION = {"better": "better", "same": "same", "worse": "worse", "mejor": "better"}
_FUNCTION |= {"igual": "same", "peor": "worse"}
_MEDS = {"less": "less", "same": "same", "more": "more", "menos": "less", "igual": "same"}
_MEDS |= {"mas": "more", "más": "more"}


@dataclass
class DiaryReply:
    entry: DiaryEntry
    reply: str


def _open_enrollments(patient, now: dt.datetime) -> list[Enrollment]:
    ids = (
        DiaryEntry.objects.filter(
            enrollment__patient=patient,
            enrollment__status=EnrollmentStatus.ACTIVE,
            sent_at__isnull=False,
            sent_at__gt=now - dt.timedelta(hours=LATE_ANSWER_HOURS),
            answered_at__isnull=True,
        )
        .values_list("enrollment_id", flat=True)
        .distinct()
    )
    return list(Enrollment.objects.filter(pk__in=list(ids)).select_related("patient"))


def parse_trial_day(text: str) -> dict | None:
    """``"4 60 better less"`` -> pain, relief, function, meds; None unless all four are clean."""
    tokens = re.findall(r"[0-9]+|[a-záéíóúñ]+", (text or "").lower())
    if len(tokens) != 4 or not (tokens[0].isdigit() and tokens[1].isdigit()):
        return None
    pain, relief = int(tokens[0]), int(tokens[1])
    function, meds = _FUNCTION.get(tokens[2]), _MEDS.get(tokens[3])
    if not (0 <= pain <= 10 and 0 <= relief <= 100) or function is None or meds is None:
        return None
    return {"pain": pain, "reported_relief": relief, "function": function, "meds": meds}


def diary_reply(*, patient, inbound, now: dt.datetime) -> DiaryReply | None:
    """Record ``inbound`` against the patient's open diary prompt; None when it answers none."""
    text = inbound.body or ""
    language = patient_language(patient)
    for enrollment in _open_enrollments(patient, now):
        entry = diary_answer_record(
            enrollment=enrollment, text=text, answered_at=now, language=language
        )
        if entry is None:
            entry = _trial_day_record(enrollment, text, now)
        if entry is None:
            continue
        _timeline(enrollment, entry, inbound, now)
        reply = render(msg.DIARY_THANKS, language)
        outbox_enqueue(
            key=f"diary:{entry.pk}:thanks",
            channel="sms",
            to=inbound.from_number,
            body=reply,
            purpose=OutboundPurpose.KEYWORD,
            patient=patient,
            sender=patient_sender(patient),
            unsolicited=False,
            now=now,
        )
        return DiaryReply(entry, reply)
    return None


def _trial_day_record(enrollment: Enrollment, text: str, now: dt.datetime) -> DiaryEntry | None:
    parsed = parse_trial_day(text)
    if parsed is None:
        return None
    row = (
        DiaryEntry.objects.filter(
            enrollment=enrollment,
            kind=DiaryKind.SCS_TRIAL,
            sent_at__isnull=False,
            sent_at__lte=now,
            sent_at__gt=now - dt.timedelta(hours=LATE_ANSWER_HOURS),
            answered_at__isnull=True,
        )
        .order_by("-send_at")
        .first()
    )
    if row is None:
        return None
    day = int(row.key.removeprefix("day"))
    entry = diary_scs_day_record(enrollment=enrollment, day=day, answered_at=now, **parsed)
    entry.raw_text = text
    entry.save(update_fields=["raw_text"])
    return entry


def _timeline(enrollment: Enrollment, entry: DiaryEntry, inbound, now: dt.datetime) -> None:
    late = " (late)" if entry.late else ""
    if entry.kind == DiaryKind.SCS_TRIAL:
        summary = (
            f"Trial diary {entry.key}: pain {entry.pain}/10, relief {entry.reported_relief} %, "
            f"function {entry.function}, medication {entry.meds}"
        )
        data = {"inbound": inbound.pk, "diary": entry.pk}
    else:
        assessment, _note = diary_block_assessment(enrollment=enrollment, series=entry.series)
        summary = (
            f"Block diary {entry.key}{late}: pain {entry.pain}/10. {block_verdict_line(assessment)}"
        )
        data = {
            "inbound": inbound.pk,
            "diary": entry.pk,
            "verdict": assessment.status,
            "rule": assessment.rule.code,
        }
    timeline_add(
        patient=enrollment.patient,
        enrollment=enrollment,
        kind="diary",
        at=now,
        summary=summary[:300],
        data=data,
    )


def block_verdict_line(assessment: Assessment) -> str:
    """One line for staff: the verdict, its reason, the rule and its source."""
    return (
        f"{assessment.rule.code}: {assessment.status} - {assessment.reason} "
        f"(source: {assessment.rule.source})"
    )
