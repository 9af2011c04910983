"""The SMS survey engine: one open check is one conversation, one question per text.

State lives on the ``Checkpoint`` row (``question_codes``, ``current_index``, ``attempts``,
``last_activity_at``, ``next_reminder_at``) and every function here runs with that row locked
(``select_for_update``) inside the caller's transaction, so two texts arriving at once are
answered one after the other, never both against the same question.

Flow of a check sent by SMS:
- opening text: the clinic's name, how to stop, and question 1 (one message, so the greeting and
  the question cannot arrive out of order);
- each reply is parsed for the current question; a parsed answer is stored with its raw text and
  the next question goes out; an unclear reply gets a re-prompt that states the valid answers;
  after two failed tries the question is recorded as unanswered (staff see it) and the engine
  moves on;
- web-form questions (the ODI and its VAS slider) are not asked by text: after the last text
  question the patient gets a secure link, and the check completes when the form is sent;
- a YES to a red-flag question goes to red-flag screening at once; an EMERGENCY stops the survey
  (further questions only delay the patient) and only the safety instruction is sent.

Every patient-facing reply goes through the outbox (logged, retried, status-tracked). The red-flag
safety instruction is handed back to the caller in ``Handled.safety`` instead of being queued here:
the caller (``notifications.inbound``) sends it once per inbound text, even when one text raised
several flags or, from a shared number, screened for several patients.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.inbound import reply_key
from notifications.models import OutboundMessage, OutboundPurpose
from notifications.outbox import outbox_cancel, outbox_enqueue

from .. import messages as msg
from ..answers import answer_write
from ..flags import flag_create
from ..messages import render
from ..models import (
    Answer,
    AnswerStatus,
    Checkpoint,
    CheckpointStatus,
    Enrollment,
    Score,
    Tier,
)
from ..odi import odi_score
from ..parsing import CHOICE, NRS, YES_NO, parse_choice, parse_nrs, parse_yes_no, reprompt_hint
from ..questions import QUESTIONS, normalize_language, render_question
from ..timeline import timeline_add

logger = logging.getLogger(__name__)

# Two failed tries on one question and it is recorded as unanswered (issue: staff see the gap).
MAX_TRIES = 2
WEB_FORM = "web_form"
FREE_TEXT = "free_text"
BASELINE_CODE = "PAIN_BASELINE"
STOPPED_REASON = "stopped: emergency answer, patient told to get help now"
WAITING_FOR_FORM = "waiting for web form"
# A reply to a check that closed this recently is a "late reply" to it (stored, shown to staff).
LATE_REPLY_DAYS = 14


@dataclass
class Handled:
    """What became of one inbound text."""

    kind: str
    checkpoint: Checkpoint | None = None
    # A safety instruction the caller must deliver now (TwiML, or the outbox when not in a webhook).
    safety: str = ""
    reply: str = ""


# --------------------------------------------------------------------------- questions


def language_of(patient) -> str:
    try:
        return normalize_language(patient.language)
    except ValueError:
        return "en"


def is_form_question(code: str) -> bool:
    return QUESTIONS.get(code, {}).get("type") == WEB_FORM


def sms_codes(checkpoint: Checkpoint) -> list[str]:
    """The questions asked by text, in order (web-form questions are collected by the form)."""
    return [code for code in checkpoint.question_codes if not is_form_question(code)]


def form_codes(checkpoint: Checkpoint) -> list[str]:
    return [code for code in checkpoint.question_codes if is_form_question(code)]


def _needs_baseline(checkpoint: Checkpoint) -> bool:
    """DOMAIN.md: a change figure needs a baseline; if staff entered none, the first survey asks."""
    enrollment = checkpoint.enrollment
    if enrollment.baseline_pain is not None or BASELINE_CODE in checkpoint.question_codes:
        return False
    if "PAIN_NOW" not in checkpoint.question_codes:
        return False
    return not Answer.objects.filter(
        checkpoint__enrollment=enrollment, question_code=BASELINE_CODE, status=AnswerStatus.ANSWERED
    ).exists()


def prepare_questions(checkpoint: Checkpoint) -> None:
    """Fix the check's question list at opening: insert the baseline question when needed.

    It goes right after the red flags, so screening still comes first.
    """
    if not _needs_baseline(checkpoint):
        return
    codes = list(checkpoint.question_codes)
    position = 0
    for index, code in enumerate(codes):
        if code.startswith("RF_"):
            position = index + 1
    codes.insert(position, BASELINE_CODE)
    checkpoint.question_codes = codes


def skip_form_questions(checkpoint: Checkpoint) -> None:
    """Move past the questions the web form asks (not asked by text)."""
    codes = checkpoint.question_codes
    while checkpoint.current_index < len(codes) and is_form_question(
        codes[checkpoint.current_index]
    ):
        checkpoint.current_index += 1


def question_text(checkpoint: Checkpoint, language: str) -> str:
    """The current question with its "(step/total)" prefix, counted over text questions only."""
    codes = sms_codes(checkpoint)
    code = checkpoint.current_question
    return render_question(code, language, step=codes.index(code) + 1, total=len(codes))


def awaiting_answer(checkpoint: Checkpoint) -> bool:
    code = checkpoint.current_question
    return code is not None and not is_form_question(code)


def form_pending(checkpoint: Checkpoint) -> bool:
    """True while the check has web-form questions that the form has not delivered yet."""
    codes = form_codes(checkpoint)
    if not codes:
        return False
    draft = getattr(checkpoint, "form_draft", None)
    if draft is not None and draft.submitted_at is not None:
        return False
    answered = set(
        Answer.objects.filter(checkpoint=checkpoint, question_code__in=codes).values_list(
            "question_code", flat=True
        )
    )
    return not set(codes) <= answered


# --------------------------------------------------------------------------- opening


def conversation_open(*, checkpoint: Checkpoint, channel: str, now: dt.datetime) -> None:
    """Send a check's first message (row locked by the caller). SMS: greeting + question 1;
    email: one email with the web-form link covering every question of the check."""
    prepare_questions(checkpoint)
    checkpoint.current_index = 0
    checkpoint.attempts = 0
    if channel == "email":
        checkpoint.save(update_fields=["question_codes", "current_index", "attempts"])
        send_form_email(
            checkpoint=checkpoint,
            now=now,
            key=f"checkpoint:{checkpoint.pk}:open-email",
            purpose=OutboundPurpose.CHECK_OPEN,
            unsolicited=True,
        )
        return
    skip_form_questions(checkpoint)
    patient = checkpoint.enrollment.patient
    clinic = checkpoint.enrollment.clinic
    lang = language_of(patient)
    greeting = render(msg.GREETING_SMS, lang, clinic=clinic.name, label=checkpoint.label)
    if awaiting_answer(checkpoint):
        body = f"{greeting}\n{question_text(checkpoint, lang)}"
    else:  # a check made only of the web form
        from ..webform.tokens import form_link_create

        link = form_link_create(checkpoint=checkpoint, now=now)
        body = f"{greeting}\n{render_question(form_codes(checkpoint)[0], lang, link=link)}"
        checkpoint.status_reason = WAITING_FOR_FORM
    checkpoint.save(update_fields=["question_codes", "current_index", "attempts", "status_reason"])
    outbox_enqueue(
        key=f"checkpoint:{checkpoint.pk}:open",
        channel="sms",
        to=patient.phone,
        body=body,
        purpose=OutboundPurpose.CHECK_OPEN,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=True,
        now=now,
    )


def send_form_email(
    *,
    checkpoint: Checkpoint,
    now: dt.datetime,
    key: str,
    purpose: str,
    unsolicited: bool,
    reminder: bool = False,
) -> OutboundMessage:
    """One email (plain text and HTML) with a fresh web-form link for the whole check."""
    from ..webform.tokens import form_link_create

    patient = checkpoint.enrollment.patient
    clinic = checkpoint.enrollment.clinic
    lang = language_of(patient)
    link = form_link_create(checkpoint=checkpoint, now=now)
    context = {
        "lang": lang,
        "clinic": clinic.name,
        "clinic_phone": clinic.phone,
        "link": link,
        "reminder": reminder,
        "closes_on": checkpoint.window_closes,
    }
    subject_template = msg.EMAIL_REMINDER_SUBJECT if reminder else msg.EMAIL_SUBJECT
    return outbox_enqueue(
        key=key,
        channel="email",
        to=patient.email,
        subject=render(subject_template, lang, clinic=clinic.name),
        body=render_to_string("followup/email/check_open.txt", context).strip(),
        html_body=render_to_string("followup/email/check_open.html", context),
        purpose=purpose,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=unsolicited,
        now=now,
    )


# --------------------------------------------------------------------------- finding the conversation


def conversation_for(*, patient, now: dt.datetime) -> Checkpoint | None:
    """The patient's check waiting for a text answer, locked; the most recently active one if several."""
    candidates = list(
        Checkpoint.objects.select_for_update(of=("self",))
        .select_related("enrollment__clinic", "enrollment__protocol")
        .filter(
            enrollment__patient=patient,
            status=CheckpointStatus.OPEN,
            channel="sms",
            closes_at__gt=now,
        )
        .order_by("-last_activity_at", "-id")
    )
    for checkpoint in candidates:
        # The caller's patient: joining it again would compile and read its columns twice
        # (every text comes through here).
        checkpoint.enrollment.patient = patient
        if awaiting_answer(checkpoint):
            return checkpoint
    return None


def _recently_closed(*, patient, now: dt.datetime) -> Checkpoint | None:
    return (
        Checkpoint.objects.filter(
            enrollment__patient=patient,
            channel="sms",
            closed_at__gt=now - dt.timedelta(days=LATE_REPLY_DAYS),
        )
        .filter(Q(status=CheckpointStatus.MISSED) | Q(status=CheckpointStatus.CANCELLED))
        .order_by("-closed_at")
        .first()
    )


def conversation_inbound(*, patient, inbound, now: dt.datetime) -> Handled:
    """Route a (non-keyword) text from a known, texting patient: survey answer or unsolicited."""
    checkpoint = conversation_for(patient=patient, now=now)
    if checkpoint is not None:
        return conversation_answer(checkpoint=checkpoint, inbound=inbound, now=now)
    late = _recently_closed(patient=patient, now=now)
    if late is not None:
        return patient_text_outside_check(
            patient=patient,
            inbound=inbound,
            now=now,
            kind="late_reply",
            checkpoint=late,
        )
    return patient_text_outside_check(patient=patient, inbound=inbound, now=now)


# --------------------------------------------------------------------------- answering


def _parse(code: str, text: str, lang: str):
    question = QUESTIONS[code]
    kind = question["type"]
    if kind == "yes_no":
        return parse_yes_no(text, lang), reprompt_hint(YES_NO, lang)
    if kind == "nrs":
        low, high = question.get("min", 0), question.get("max", 10)
        return parse_nrs(text, lang, low=low, high=high), reprompt_hint(
            NRS, lang, low=low, high=high
        )
    if kind == "choice":
        options = question["options"]
        return parse_choice(text, options, lang), reprompt_hint(CHOICE, lang, options=options)
    raise ValueError(f"question {code} ({kind}) is not parsed by the engine")


def _free_text_value(text: str, lang: str) -> tuple[bool, str | None]:
    """(ok, value) for the "anything else?" question: a plain NO is "nothing to add" (None)."""
    if not (text or "").strip():
        return False, None
    said_no = parse_yes_no(text, lang)
    if said_no.ok and said_no.value is False:
        return True, None
    return True, text.strip()


def _worth_screening(text: str) -> bool:
    """Unparseable replies of two or more words may describe a symptom ("cant breathe")."""
    words = [w for w in (text or "").split() if any(ch.isalpha() for ch in w)]
    return len(words) >= 2


def conversation_answer(*, checkpoint: Checkpoint, inbound, now: dt.datetime) -> Handled:
    """Take one reply for the current question of a locked, open SMS check."""
    patient = checkpoint.enrollment.patient
    lang = language_of(patient)
    code = checkpoint.current_question
    text = inbound.body or ""
    checkpoint.last_activity_at = now
    _push_reminder(checkpoint, now)
    safety = ""
    prefix = ""
    if QUESTIONS[code]["type"] == FREE_TEXT:
        ok, value = _free_text_value(text, lang)
        hint = render(msg.FREE_TEXT_HINT, lang)
    else:
        parsed, hint = _parse(code, text, lang)
        ok, value = parsed.ok, parsed.value
    if not ok:
        checkpoint.attempts += 1
        if _worth_screening(text):
            screened = screen_text(
                patient=patient,
                text=text,
                checkpoint=checkpoint,
                inbound=inbound,
                now=now,
            )
            safety = screened.safety
            if screened.stop:
                _save_state(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
        if checkpoint.attempts < MAX_TRIES:
            _save_state(checkpoint)
            reply = render(msg.REPROMPT, lang, hint=hint)
            _reply(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
            return Handled("survey_reprompt", checkpoint, safety, reply)
        answer_store(
            checkpoint,
            code,
            raw=text,
            value=None,
            status=AnswerStatus.UNANSWERED,
            inbound=inbound,
            now=now,
        )
        timeline_add(
            patient=patient,
            enrollment=checkpoint.enrollment,
            kind="question_unanswered",
            at=now,
            summary=f"{checkpoint.label}: {code} unanswered after {MAX_TRIES} tries",
            data={"checkpoint": checkpoint.pk, "question": code},
        )
        if code.startswith("RF_"):
            _flag_unanswered_red_flag(checkpoint, code, text, inbound=inbound, now=now)
        prefix = render(msg.SKIPPED, lang)
        kind = "survey_unanswered"
    else:
        answer_store(
            checkpoint,
            code,
            raw=text,
            value=value,
            status=AnswerStatus.ANSWERED,
            inbound=inbound,
            now=now,
        )
        kind = "survey_answer"
        if code == BASELINE_CODE:
            Enrollment.objects.filter(
                pk=checkpoint.enrollment_id, baseline_pain__isnull=True
            ).update(baseline_pain=value)
        if code.startswith("RF_") and value is True:
            result = redflags_service().redflags_from_answers(checkpoint=checkpoint, now=now)
            safety = _join(safety, result.patient_reply or "")
            if result.stop_survey:
                _save_state(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
        if QUESTIONS[code]["type"] == FREE_TEXT and value:
            screened = screen_text(
                patient=patient,
                text=text,
                checkpoint=checkpoint,
                inbound=inbound,
                now=now,
            )
            safety = _join(safety, screened.safety)
            if screened.stop:
                _save_state(checkpoint)
                conversation_stop(checkpoint=checkpoint, now=now)
                return Handled("survey_stopped", checkpoint, safety, "")
    checkpoint.current_index += 1
    checkpoint.attempts = 0
    skip_form_questions(checkpoint)
    if awaiting_answer(checkpoint):
        body = question_text(checkpoint, lang)
    else:
        body = finish_text_questions(checkpoint=checkpoint, now=now)
    _save_state(checkpoint)
    reply = f"{prefix} {body}".strip()
    _reply(inbound=inbound, patient=patient, checkpoint=checkpoint, body=reply, now=now)
    return Handled(kind, checkpoint, safety, reply)


def _join(first: str, second: str) -> str:
    return " ".join(part for part in (first, second) if part)


def _save_state(checkpoint: Checkpoint) -> None:
    checkpoint.save(
        update_fields=[
            "current_index",
            "attempts",
            "last_activity_at",
            "next_reminder_at",
            "status",
            "status_reason",
            "completed_at",
            "question_codes",
        ]
    )


def answer_store(
    checkpoint, code, *, raw: str, value, status: str, inbound, now: dt.datetime
) -> None:
    """Store a text's answer to ``code`` (an unanswered question keeps its failed tries)."""
    answer_write(
        checkpoint=checkpoint,
        code=code,
        instrument=QUESTIONS[code]["type"],
        raw=raw,
        value=value,
        status=status,
        attempts=checkpoint.attempts
        if status == AnswerStatus.UNANSWERED
        else checkpoint.attempts + 1,
        now=now,
        inbound_message_id=getattr(inbound, "pk", None),
    )


def _reply(*, inbound, patient, checkpoint, body: str, now: dt.datetime) -> None:
    """A reply inside a conversation the patient is answering: not unsolicited (FCC exemption)."""
    outbox_enqueue(
        key=reply_key(inbound.message_sid),
        channel="sms",
        to=inbound.from_number,
        body=body,
        purpose=OutboundPurpose.QUESTION,
        patient=patient,
        checkpoint=checkpoint,
        unsolicited=False,
        now=now,
    )


def _push_reminder(checkpoint: Checkpoint, now: dt.datetime) -> None:
    """A patient who is answering is not stalled: the next reminder waits a full spacing again."""
    if checkpoint.next_reminder_at is None:
        return
    from ..reminders import reminder_policy

    _, spacing = reminder_policy(checkpoint)
    checkpoint.next_reminder_at = max(checkpoint.next_reminder_at, now + spacing)


# --------------------------------------------------------------------------- finishing


def finish_text_questions(*, checkpoint: Checkpoint, now: dt.datetime) -> str:
    """After the last text question: score, then either send the form link or complete the check."""
    scores_record(checkpoint=checkpoint, now=now)
    lang = language_of(checkpoint.enrollment.patient)
    if form_pending(checkpoint):
        from ..webform.tokens import form_link_create

        link = form_link_create(checkpoint=checkpoint, now=now)
        checkpoint.status_reason = WAITING_FOR_FORM
        return render(
            msg.THANKS_FORM, lang, form=render_question(form_codes(checkpoint)[0], lang, link=link)
        )
    checkpoint_complete(checkpoint=checkpoint, now=now, save=False)
    return render(msg.THANKS_DONE, lang)


def checkpoint_complete(
    *, checkpoint: Checkpoint, now: dt.datetime, reason: str = "", save: bool = True
) -> None:
    """Mark a check completed; no reminder ever follows a completed check."""
    checkpoint.status = CheckpointStatus.COMPLETED
    checkpoint.completed_at = now
    checkpoint.next_reminder_at = None
    checkpoint.status_reason = reason
    if save:
        checkpoint.save(
            update_fields=["status", "completed_at", "next_reminder_at", "status_reason"]
        )
    outbox_cancel(
        queryset=OutboundMessage.objects.filter(
            checkpoint=checkpoint, purpose=OutboundPurpose.REMINDER
        )
    )
    timeline_add(
        patient=checkpoint.enrollment.patient,
        enrollment=checkpoint.enrollment,
        kind="check_completed",
        at=now,
        summary=f"{checkpoint.label} completed" + (f" ({reason})" if reason else ""),
        data={"checkpoint": checkpoint.pk},
    )


def conversation_stop(*, checkpoint: Checkpoint, now: dt.datetime) -> None:
    """An EMERGENCY answer: ask nothing more. Answers so far are kept and scored."""
    scores_record(checkpoint=checkpoint, now=now)
    checkpoint_complete(checkpoint=checkpoint, now=now, reason=STOPPED_REASON)


def scores_record(*, checkpoint: Checkpoint, now: dt.datetime) -> list[Score]:
    """(Re)compute the check's scores from its answers: NRS now/average, ODI %, VAS."""
    answers = {
        a.question_code: a
        for a in Answer.objects.filter(checkpoint=checkpoint, status=AnswerStatus.ANSWERED)
    }
    saved = []

    def put(kind: str, value, details: dict | None = None) -> None:
        score, _ = Score.objects.update_or_create(
            checkpoint=checkpoint,
            kind=kind,
            defaults={"value": value, "details": details or {}, "computed_at": now},
        )
        saved.append(score)

    for code, kind in (("PAIN_NOW", Score.Kind.NRS_NOW), ("PAIN_AVG", Score.Kind.NRS_AVG)):
        if code in answers and isinstance(answers[code].value, int):
            put(
                kind,
                answers[code].value,
                {"instrument": "nrs", "loinc": QUESTIONS[code].get("loinc", "")},
            )
    if "ODI" in answers and isinstance(answers["ODI"].value, dict):
        result = odi_score(answers["ODI"].value)
        if result is not None:
            put(
                Score.Kind.ODI,
                result["percent"],
                {
                    "sum": result["sum"],
                    "answered": result["answered"],
                    "band": result["band"],
                    "loinc": "97909-6",
                },
            )
    if "VAS" in answers and isinstance(answers["VAS"].value, int):
        put(Score.Kind.VAS, answers["VAS"].value, {"instrument": "vas"})
    return saved


# --------------------------------------------------------------------------- outside a check


def patient_text_outside_check(
    *,
    patient,
    inbound,
    now: dt.datetime,
    kind: str = "unsolicited",
    checkpoint=None,
) -> Handled:
    """A text that answers no open question: kept on the timeline and screened for red flags.

    The patient gets one acknowledgement a day at most (so "thanks" does not start a ping-pong),
    and none when a safety instruction already answers them.
    """
    enrollment = checkpoint.enrollment if checkpoint is not None else _latest_enrollment(patient)
    label = "Late reply to a closed check" if kind == "late_reply" else "Text outside a check"
    timeline_add(
        patient=patient,
        enrollment=enrollment,
        kind="sms_in",
        at=now,
        summary=f"{label}: {(inbound.body or '').strip()}"[:300],
        data={"inbound": inbound.pk, "kind": kind, "checkpoint": getattr(checkpoint, "pk", None)},
    )
    screened = screen_text(
        patient=patient,
        text=inbound.body or "",
        checkpoint=checkpoint,
        inbound=inbound,
        now=now,
        enrollment=enrollment,
    )
    safety = screened.safety
    reply = ""
    # A patient told to get help now needs no "thank you" text beside it.
    if not screened.told_patient and (inbound.body or "").strip():
        clinic = patient.clinic
        tz = zoneinfo.ZoneInfo(patient.time_zone)
        reply = render(msg.ACK_TEXT, language_of(patient), clinic=clinic.name)
        outbox_enqueue(
            key=f"patient:{patient.pk}:ack:{now.astimezone(tz).date().isoformat()}",
            channel="sms",
            to=inbound.from_number,
            body=reply,
            purpose=OutboundPurpose.KEYWORD,
            patient=patient,
            unsolicited=False,
            now=now,
        )
    return Handled(kind, checkpoint, safety, reply)


def _latest_enrollment(patient):
    return patient.enrollments.order_by("-performed_on", "-id").first()


# --------------------------------------------------------------------------- red flags


def redflags_service():
    # Imported late: the red-flag service belongs to the escalation feature and imports this app.
    from ..services import redflags

    return redflags


@dataclass(frozen=True)
class Screened:
    safety: str = ""  # the safety instruction, for the caller to send ("" if none)
    stop: bool = False  # an EMERGENCY: ask nothing more
    told_patient: bool = False  # a safety instruction went (or goes) to the patient


def screen_text(
    *,
    patient,
    text: str,
    checkpoint=None,
    inbound=None,
    now: dt.datetime,
    enrollment=None,
) -> Screened:
    """Hand free text to red-flag screening (flags, escalations); the patient's safety text
    comes back in ``Screened.safety`` for the caller to send."""
    if not (text or "").strip():
        return Screened()
    if enrollment is None and checkpoint is not None:
        enrollment = checkpoint.enrollment
    result = redflags_service().redflags_from_text(
        patient=patient,
        text=text,
        enrollment=enrollment,
        checkpoint=checkpoint,
        inbound_message_id=getattr(inbound, "pk", None),
        now=now,
    )
    reply = result.patient_reply or ""
    return Screened(safety=reply, stop=bool(result.stop_survey), told_patient=bool(reply))


# --------------------------------------------------------------------------- delivery failures


SURVEY_PURPOSES = (OutboundPurpose.CHECK_OPEN, OutboundPurpose.QUESTION, OutboundPurpose.REMINDER)


def survey_delivery_failed(*, message: OutboundMessage, now: dt.datetime | None = None) -> str:
    """A survey text will not arrive: fall back to email when the patient has one, otherwise show
    the check as unreachable to staff. Idempotent; returns what was done."""
    now = now or timezone.now()
    if (
        message.channel != "sms"
        or message.purpose not in SURVEY_PURPOSES
        or message.checkpoint_id is None
    ):
        return "ignored"
    with transaction.atomic():
        return _survey_delivery_failed(message, now)


def _survey_delivery_failed(message: OutboundMessage, now: dt.datetime) -> str:
    checkpoint = (
        Checkpoint.objects.select_for_update(of=("self",))
        .select_related("enrollment__patient", "enrollment__clinic")
        .filter(pk=message.checkpoint_id)
        .first()
    )
    if (
        checkpoint is None
        or checkpoint.status != CheckpointStatus.OPEN
        or checkpoint.channel != "sms"
    ):
        return "ignored"
    patient = checkpoint.enrollment.patient
    patient.refresh_from_db()
    code = message.error_code or message.provider_status or "failed"
    if patient.can_email:
        checkpoint.channel = "email"
        checkpoint.status_reason = f"SMS not delivered ({code}); sent by email"
        checkpoint.save(update_fields=["channel", "status_reason"])
        send_form_email(
            checkpoint=checkpoint,
            now=now,
            key=f"checkpoint:{checkpoint.pk}:fallback-email",
            purpose=OutboundPurpose.CHECK_OPEN,
            unsolicited=False,
        )
        timeline_add(
            patient=patient,
            enrollment=checkpoint.enrollment,
            kind="delivery_fallback",
            at=now,
            summary=f"{checkpoint.label}: text not delivered ({code}), sent by email instead",
            data={"checkpoint": checkpoint.pk, "outbound": message.pk},
        )
        return "email"
    checkpoint.status_reason = f"unreachable: SMS not delivered ({code}), no email"
    checkpoint.next_reminder_at = None
    checkpoint.save(update_fields=["status_reason", "next_reminder_at"])
    timeline_add(
        patient=patient,
        enrollment=checkpoint.enrollment,
        kind="unreachable",
        at=now,
        summary=f"{checkpoint.label}: unreachable, text not delivered ({code}) and no email",
        data={"checkpoint": checkpoint.pk, "outbound": message.pk},
    )
    return "unreachable"


def _flag_unanswered_red_flag(
    checkpoint: Checkpoint, code: str, text: str, *, inbound, now: dt.datetime
) -> None:
    """A red-flag question the patient could not answer is not a "no": a person must ask.

    URGENT (a same-day call) when any of the protocol's EMERGENCY rules rests on the question,
    else ROUTINE (the triage queue). DESIGN rule 5: nothing from a patient ends unseen.
    """
    from ..services.escalations import escalation_raise

    rules = checkpoint.enrollment.protocol.red_flag_rules
    emergency = any(
        rule["tier"] == Tier.EMERGENCY
        and code in (rule["when"].get("all", []) + rule["when"].get("any", []))
        for rule in rules
    )
    flag = flag_create(
        patient=checkpoint.enrollment.patient,
        enrollment=checkpoint.enrollment,
        checkpoint=checkpoint,
        rule_code="RF_UNANSWERED",
        tier=Tier.URGENT if emergency else Tier.ROUTINE,
        reason=f"Red-flag question {code} unanswered after {MAX_TRIES} tries",
        evidence=text[:2000],
        source="project rule: unclear answers to red-flag questions go to a person (DESIGN rule 5)",
        inbound_message_id=getattr(inbound, "pk", None),
        now=now,
    )
    escalation_raise(flag=flag, now=now)
