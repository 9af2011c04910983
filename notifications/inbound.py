"""Inbound texts: stored once per ``MessageSid``, processed once, routed in a fixed order.

Exactly once (DESIGN rule 3): the webhook only stores the text (one ``INSERT ... ON CONFLICT DO
NOTHING`` on the unique ``message_sid``), hands its id to a background publisher and answers
Twilio with an empty TwiML response. A worker then claims the row with a conditional update
(received -> processing) in the same transaction that processes it. Only the task that claims the
row acts on it; Twilio retrying, or two copies arriving at the same moment, store nothing new,
and a second task finds the row claimed or processed. If processing crashes, the transaction
(claim included) rolls back, the row stays "received" with the error noted, and the sweep
processes it again later; if the broker is down the row waits for the sweep the same way: nothing
is lost, nothing is done twice. A worker processes a number's earlier unprocessed texts before the
one it was given, so a patient's answers are taken in the order they were sent.

Why not process inside the request: at the 10:00 burst the web tier would run the whole
conversation (parsing, scoring, screening, escalation) for every reply while Twilio waits; storing
first keeps the webhook close to a trivial view's speed (bench item 3), and every reply the patient
gets, safety instructions included, goes through the outbox, which retries and records delivery.

Routing order for each text (the first that applies wins):
1. a clinician's page phone answering a page (ACK ...) - handled by the escalation feature;
2. keywords: STOP and its plain-language forms, START, HELP - they always win over the survey;
3. unknown number: one neutral reply (no PHI), kept for staff;
4. opted-out patient: stored and shown to staff, never answered;
5. a number shared by several patients: ask who is writing, never guess;
6. the patient's open conversation, else an unsolicited text (timeline + red-flag screening).

Every reply goes through the outbox; a red-flag safety instruction is queued ahead of survey
traffic (the outbox's non-bulk lane) so it reaches the patient within seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet, Subquery
from django.utils import timezone

from followup import messages as msg
from followup.conversation import Handled, conversation_inbound, language_of, screen_text
from followup.messages import render
from followup.models import SenderPrompt, SenderPromptStatus
from followup.parsing import normalise, parse_choice, parse_yes_no
from followup.screening import EMERGENCY, URGENT
from followup.screening import screen_text as screen_text_only
from followup.services.redflags import parse_ack
from followup.timeline import timeline_add
from patients.models import Patient
from patients.services import patient_opt_in, patient_opt_out

from .db import claim, insert_once_pk
from .keywords import Keyword, classify_keyword
from .models import InboundMessage, InboundStatus, OutboundPurpose
from .outbox import outbox_enqueue
from .publisher import inbound_publisher, inbound_urgent_publisher

logger = logging.getLogger(__name__)

# After this many crashed tries a text stops being retried and is shown to staff as failed.
MAX_PROCESSING_ATTEMPTS = 5
# Rows younger than this are normally still on their way to a worker; the sweep leaves them alone.
RETRY_AFTER = dt.timedelta(minutes=1)
# "Who is writing?" waits this long for an answer; then the held texts go to staff.
SENDER_PROMPT_TTL = dt.timedelta(hours=4)
# After the sender says who they are, texts from the number go to that patient until this long
# passes without one (a conversation session), so a survey is not interrupted at every answer.
SENDER_CHOICE_TTL = dt.timedelta(hours=2)
MAX_SENDER_PROMPTS = 2


@dataclass
class Routed:
    kind: str
    patient: Patient | None = None
    checkpoint: object | None = None
    safety: str = ""
    reply: str = ""


# --------------------------------------------------------------------------- store and claim


def _clean(params: dict) -> dict:
    return {str(k): str(v) for k, v in params.items()}


def inbound_store(*, params: dict) -> int | None:
    """Store a webhook's text once per ``MessageSid``, in one statement (no transaction of its
    own: this runs inside Twilio's request). Returns the new row's id, or None when this
    ``MessageSid`` was stored before (a retried or duplicated delivery: nothing to do)."""
    params = _clean(params)
    sid = (params.get("MessageSid") or params.get("SmsSid") or "")[:64]
    if not sid:
        raise ValueError("inbound message without MessageSid")
    values = {
        "message_sid": sid,
        "from_number": params.get("From", "")[:32],
        "to_number": params.get("To", "")[:32],
        "body": params.get("Body", ""),
        "params": params,
        "status": InboundStatus.RECEIVED,
    }
    if connection.in_atomic_block:
        return insert_once_pk(InboundMessage, conflict="message_sid", values=values)
    # Django's health check (CONN_HEALTH_CHECKS) would spend a round trip on every text to make
    # sure a kept connection still works. The insert is idempotent (nothing happens for a sid
    # already stored), so here a connection found dead costs one retry on a fresh one instead.
    connection.health_check_done = True
    try:
        return insert_once_pk(InboundMessage, conflict="message_sid", values=values)
    except (InterfaceError, OperationalError):
        connection.close()
        logger.warning("inbound: database connection lost, storing the text on a new one")
        return insert_once_pk(InboundMessage, conflict="message_sid", values=values)


def inbound_receive(*, params: dict) -> int | None:
    """Store one webhook text and queue its processing; its id, or None for a repeat delivery."""
    inbound_id = inbound_store(params=params)
    if inbound_id is None:
        return None
    routine = inbound_lane(str(params.get("Body", ""))) == "routine"
    lane = inbound_publisher if routine else inbound_urgent_publisher
    transaction.on_commit(lambda: lane.submit(inbound_id))
    return inbound_id


# A pain score, an ODI or sender-prompt choice: digits, maybe a decimal and "/10".
_PLAIN_NUMBER = re.compile(r"\s*\d{1,3}(?:[.,]\d{1,2})?(?:\s*/\s*10)?\s*[.!]*\s*")
# Longer than any answer: read in full, first, without screening it in Twilio's request.
_SCREEN_MAX_LENGTH = 500


# The morning's replies are mostly the same few short bodies ("no", "3", option words): each
# is read in both languages once per process, not once per text (a tenth of the webhook's own
# work). Longer, free texts are rarely repeated and are read every time.
_LANE_CACHED_LENGTH = 40


def inbound_lane(body: str) -> str:
    """ "urgent" for a text that could raise a red flag or stop a page: a yes (red-flag rules
    fire on a YES), words the screener reads as EMERGENCY or URGENT, a clinician's ACK, a text
    with no words (a photo) or too long to screen here. "routine" for the rest: numbers, a plain
    "no" (at most a ROUTINE care gap), option words, keywords. Only the queue differs; both
    are processed the same way, and a routine text is still screened by the worker."""
    if len(body) <= _LANE_CACHED_LENGTH:
        return _short_lane(body)
    return _lane(body)


@functools.lru_cache(maxsize=2048)
def _short_lane(body: str) -> str:
    return _lane(body)


def _lane(body: str) -> str:
    if _PLAIN_NUMBER.fullmatch(body):
        return "routine"
    if not body.strip() or len(body) > _SCREEN_MAX_LENGTH:
        return "urgent"
    answers = {parse_yes_no(body, language).value for language in ("en", "es")}
    if answers == {False}:
        return "routine"
    # "Yes, since yesterday" is no clean yes to the parser (the worker asks again), but it is a
    # yes to whatever red-flag question was asked: a yes among the first words is urgent.
    leading = normalise(body).split()[:3]
    if any(
        parse_yes_no(word, language).value is True for word in leading for language in ("en", "es")
    ):
        return "urgent"
    if True in answers or parse_ack(body) is not None:
        return "urgent"
    return "urgent" if screen_text_only(body).tier in (EMERGENCY, URGENT) else "routine"


def inbound_process_in_order(*, inbound_id: int, now: dt.datetime | None = None) -> None:
    """Process a stored text, after any earlier unprocessed texts from the same number.

    Two workers may hold consecutive texts of one patient. The claim's row lock orders them: a
    worker reaching an earlier row that another worker is processing waits for that transaction,
    then finds it processed and moves on to its own.
    """
    waiting = list(waiting_from_sender(inbound_id)[: settings.SWEEP_BATCH_SIZE])
    if inbound_id not in waiting:  # processed already (or more than a batch ahead: the sweep's)
        return
    for pk in waiting:
        inbound_process(inbound_id=pk, now=now)


def waiting_from_sender(inbound_id: int) -> QuerySet:
    """The ids of the unprocessed texts from this text's number, up to it, oldest first.

    ``status__same``, not ``status=``: the sender's index finds them (0.06 ms), where the
    partial index of unprocessed texts, which statistics from before a burst call nearly empty,
    meant filtering every waiting text (12 ms a text with 60,000 waiting; lookups.py)."""
    sender = InboundMessage.objects.filter(pk=inbound_id).order_by().values("from_number")[:1]
    return (
        InboundMessage.objects.filter(
            from_number=Subquery(sender), status__same=InboundStatus.RECEIVED, pk__lte=inbound_id
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def inbound_process(*, inbound_id: int, now: dt.datetime | None = None) -> None:
    """Process a stored text if this caller can claim it. Never raises: a crash is recorded and the
    row is left for the sweep."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            row = claim(
                InboundMessage,
                pk=inbound_id,
                status=(InboundStatus.RECEIVED, InboundStatus.PROCESSING),
            )
            if row is None:
                return
            routed = _route(row, now=now)
            _send_safety(row, routed, now=now)
            row.status = InboundStatus.PROCESSED
            row.processed_at = now
            row.kind = routed.kind
            row.patient = routed.patient
            row.checkpoint = routed.checkpoint
            row.reply_text = " / ".join(part for part in (routed.reply, routed.safety) if part)
            row.last_error = ""
            row.save(
                update_fields=[
                    "status",
                    "processed_at",
                    "kind",
                    "patient",
                    "checkpoint",
                    "reply_text",
                    "last_error",
                ]
            )
    except Exception as exc:  # noqa: BLE001 - any failure must leave the text for a retry, not lose it
        logger.exception("inbound %s: processing failed", inbound_id)
        _record_crash(inbound_id, exc)
        return ""


def _record_crash(inbound_id: int, exc: Exception) -> None:
    row = (
        InboundMessage.objects.filter(pk=inbound_id)
        .exclude(status__same=InboundStatus.PROCESSED)
        .first()
    )
    if row is None:
        return
    attempts = row.attempts + 1
    status = InboundStatus.FAILED if attempts >= MAX_PROCESSING_ATTEMPTS else InboundStatus.RECEIVED
    InboundMessage.objects.filter(pk=inbound_id, status__same=row.status).update(
        attempts=attempts, status=status, last_error=f"{type(exc).__name__}: {exc}"[:500]
    )


def inbound_retry_stale(*, now: dt.datetime) -> dict:
    """Sweep step: process again texts whose processing crashed (or whose request died)."""
    cutoff = min(now, timezone.now()) - RETRY_AFTER
    ids = list(
        InboundMessage.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[: settings.SWEEP_BATCH_SIZE]
    )
    done = 0
    for inbound_id in ids:
        inbound_process(inbound_id=inbound_id, now=now)
        done += InboundMessage.objects.filter(pk=inbound_id, status=InboundStatus.PROCESSED).count()
    return {"inbound_retried": len(ids), "inbound_recovered": done}


# --------------------------------------------------------------------------- safety replies


def _send_safety(row: InboundMessage, routed: Routed, *, now: dt.datetime) -> None:
    """Queue the safety instruction this text earned, once per text (the one place it is sent
    for an inbound text: conversation and screening only hand it back)."""
    if not routed.safety:
        return
    outbox_enqueue(
        key=f"inbound:{row.message_sid}:safety",
        channel="sms",
        to=row.from_number,
        body=routed.safety,
        purpose=OutboundPurpose.SAFETY,
        patient=routed.patient,
        checkpoint=routed.checkpoint,
        unsolicited=False,
        now=now,
    )


def _reply(
    row: InboundMessage,
    *,
    body: str,
    patient=None,
    purpose: str = OutboundPurpose.KEYWORD,
    key: str | None = None,
    now: dt.datetime,
) -> str:
    outbox_enqueue(
        key=key or f"inbound:{row.message_sid}:reply",
        channel="sms",
        to=row.from_number,
        body=body,
        purpose=purpose,
        patient=patient,
        unsolicited=False,
        now=now,
    )
    return body


# --------------------------------------------------------------------------- routing


def _route(row: InboundMessage, *, now: dt.datetime) -> Routed:
    clinician_reply = _clinician_reply(row, now)
    if clinician_reply is not None:
        reply = (
            _reply(row, body=clinician_reply, purpose=OutboundPurpose.OTHER, now=now)
            if clinician_reply
            else ""
        )
        return Routed("clinician", reply=reply)
    patients = list(
        Patient.objects.select_related("clinic").filter(phone=row.from_number).order_by("id")
    )
    number_opted_out = bool(patients) and all(p.is_opted_out for p in patients)
    keyword = classify_keyword(row.body, opted_out=number_opted_out)
    if keyword is Keyword.STOP:
        return _stop(row, patients, now)
    if keyword is Keyword.START:
        return _start(row, patients, now)
    if keyword is Keyword.HELP:
        return _help(row, patients, now)
    if not patients:
        return _unknown_number(row, now)
    reachable = [p for p in patients if not p.is_opted_out]
    if not reachable:
        return _opted_out(row, patients, now)
    if len(reachable) > 1:
        return _shared_number(row, reachable, now=now)
    _close_sender_prompts(row.from_number, now, reason="number no longer shared")
    return _from_handled(
        conversation_inbound(patient=reachable[0], inbound=row, now=now),
        reachable[0],
    )


def _from_handled(handled: Handled, patient: Patient) -> Routed:
    return Routed(handled.kind, patient, handled.checkpoint, handled.safety, handled.reply)


def _clinician_reply(row: InboundMessage, now: dt.datetime) -> str | None:
    """The escalation feature's answer when the sender is a clinician's page phone, else None."""
    from followup.services.redflags import escalation_handle_clinician_sms

    return escalation_handle_clinician_sms(from_number=row.from_number, body=row.body, now=now)


def _stop(row: InboundMessage, patients: list[Patient], now: dt.datetime) -> Routed:
    """Opt out every patient on this number; one confirmation, and nothing after it (FCC 24-24)."""
    if not patients:
        return Routed("stop_unknown")
    changed = [
        p for p in patients if patient_opt_out(patient=p, source=f"SMS: {row.body.strip()}"[:200])
    ]
    for patient in changed:
        timeline_add(
            patient=patient,
            kind="opt_out",
            at=now,
            summary=f"Opted out by text: {row.body.strip()}"[:300],
            data={"inbound": row.pk},
        )
    if not changed:
        return Routed("stop_repeat", patients[0])
    patient = changed[0]
    # Queued after the opt-out, which cancels every pending text to the patient except this one.
    reply = _reply(
        row,
        body=render(msg.STOP_CONFIRM, language_of(patient), clinic=patient.clinic.name),
        patient=patient,
        now=now,
    )
    return Routed("stop", patient, reply=reply)


def _start(row: InboundMessage, patients: list[Patient], now: dt.datetime) -> Routed:
    if not patients:
        return _unknown_number(row, now)
    for patient in patients:
        if patient_opt_in(patient=patient, source=f"SMS: {row.body.strip()}"[:200]):
            timeline_add(
                patient=patient,
                kind="opt_in",
                at=now,
                summary="Opted back in by text",
                data={"inbound": row.pk},
            )
    patient = patients[0]
    reply = _reply(
        row,
        body=render(msg.START_CONFIRM, language_of(patient), clinic=patient.clinic.name),
        patient=patient,
        now=now,
    )
    return Routed("start", patient, reply=reply)


def _help(row: InboundMessage, patients: list[Patient], now: dt.datetime) -> Routed:
    if not patients:
        return _unknown_number(row, now)
    patient = patients[0]
    clinic = patient.clinic
    body = render(
        msg.HELP_REPLY,
        language_of(patient),
        clinic=clinic.name,
        phone=clinic.phone,
        per_week=str(clinic.max_unsolicited_per_week),
    )
    return Routed("help", patient, reply=_reply(row, body=body, patient=patient, now=now))


def _unknown_number(row: InboundMessage, now: dt.datetime) -> Routed:
    """One neutral reply per number, ever: no clinic, no name, nothing about care."""
    reply = _reply(
        row,
        body=msg.NEUTRAL_UNKNOWN,
        purpose=OutboundPurpose.NEUTRAL,
        key=f"unknown:{row.from_number}:neutral",
        now=now,
    )
    return Routed("unknown_number", reply=reply)


def _opted_out(row: InboundMessage, patients: list[Patient], now: dt.datetime) -> Routed:
    """Stored and shown to staff, never answered. A symptom in it still reaches a clinician."""
    for patient in patients:
        timeline_add(
            patient=patient,
            kind="sms_in",
            at=now,
            summary=f"Text from an opted-out number (not answered): {row.body.strip()}"[:300],
            data={"inbound": row.pk, "kind": "opted_out"},
        )
    if len(patients) == 1:
        # Screened, escalated, never answered: the safety text it hands back is dropped, as
        # the patient asked for no texts.
        screen_text(patient=patients[0], text=row.body, inbound=row, now=now)
    return Routed("opted_out", patients[0] if len(patients) == 1 else None)


# --------------------------------------------------------------------------- shared numbers


def initials(patient: Patient) -> str:
    first = (patient.first_name or "?").strip()[:1].upper()
    last = (patient.last_name or "?").strip()[:1].upper()
    return f"{first}.{last}."


def _sender_options(patients: list[Patient]) -> list[dict]:
    """Choice options naming each patient by initials only.

    Clashing initials get the birth year; if that still clashes (one person registered at two
    clinics) the clinic's name, which the patient already sees on every text from it.
    """
    labels = [initials(p) for p in patients]
    for detail in (lambda p: str(p.date_of_birth.year), lambda p: p.clinic.name):
        labels = [
            f"{label} ({detail(p)})" if labels.count(label) > 1 else label
            for p, label in zip(patients, labels, strict=True)
        ]
    options = []
    for patient, label in zip(patients, labels, strict=True):
        bare = label.replace(".", "")
        options.append(
            {"value": patient.pk, "en": label, "es": label, "aliases": {"en": [bare], "es": [bare]}}
        )
    return options


def _prompt_language(patients: list[Patient]) -> str:
    return "es" if all(language_of(p) == "es" for p in patients) else "en"


def _ask_sender(row: InboundMessage, patients: list[Patient], now: dt.datetime) -> str:
    lang = _prompt_language(patients)
    choices = ", ".join(
        render(msg.ASK_SENDER_CHOICE, lang, number=str(i), initials=option["en"])
        for i, option in enumerate(_sender_options(patients), start=1)
    )
    if not choices.endswith("."):
        choices += "."  # "... 2 for J.S." already ends a sentence; "(1990)" does not
    # Its own key: the held text's "reply" key stays free for the answer it gets once released.
    return _reply(
        row,
        body=render(msg.ASK_SENDER, lang, choices=choices),
        key=f"inbound:{row.message_sid}:ask",
        now=now,
    )


def _shared_number(row: InboundMessage, candidates: list[Patient], *, now: dt.datetime) -> Routed:
    """Several patients share this phone: hold the text and ask who is writing."""
    prompt = (
        SenderPrompt.objects.select_for_update()
        .filter(phone=row.from_number)
        .exclude(status=SenderPromptStatus.CLOSED)
        .order_by("-created_at", "-id")
        .first()
    )
    if prompt is not None and prompt.expires_at <= now:
        _close_prompt(prompt, now, reason="expired")
        prompt = None
    by_id = {p.pk: p for p in candidates}
    if prompt is not None and prompt.status == SenderPromptStatus.CHOSEN:
        chosen = by_id.get(prompt.chosen_patient_id)
        if chosen is not None:
            prompt.expires_at = now + SENDER_CHOICE_TTL
            prompt.save(update_fields=["expires_at"])
            return _from_handled(
                conversation_inbound(patient=chosen, inbound=row, now=now),
                chosen,
            )
        _close_prompt(prompt, now, reason="chosen patient no longer on this number")
        prompt = None
    if prompt is None:
        SenderPrompt.objects.create(
            phone=row.from_number,
            patient_ids=[p.pk for p in candidates],
            held_inbound_ids=[row.pk],
            created_at=now,
            expires_at=now + SENDER_PROMPT_TTL,
        )
        return Routed(
            "held_shared",
            reply=_ask_sender(row, candidates, now),
            safety=_screen_held(row, candidates, now=now),
        )
    offered = [by_id[pk] for pk in prompt.patient_ids if pk in by_id]
    parsed = (
        parse_choice(row.body, _sender_options(offered), _prompt_language(offered))
        if offered
        else None
    )
    if parsed is None or not parsed.ok:
        prompt.held_inbound_ids = [*prompt.held_inbound_ids, row.pk]
        reply = ""
        if prompt.prompts_sent < MAX_SENDER_PROMPTS and offered:
            prompt.prompts_sent += 1
            reply = _ask_sender(row, offered, now)
        prompt.save(update_fields=["held_inbound_ids", "prompts_sent"])
        return Routed(
            "held_shared", reply=reply, safety=_screen_held(row, offered or candidates, now=now)
        )
    chosen = by_id[parsed.value]
    prompt.status = SenderPromptStatus.CHOSEN
    prompt.chosen_patient = chosen
    prompt.expires_at = now + SENDER_CHOICE_TTL
    prompt.save(update_fields=["status", "chosen_patient", "expires_at"])
    return _release_held(row, prompt, chosen, now=now)


def _screen_held(row: InboundMessage, candidates: list[Patient], *, now: dt.datetime) -> str:
    """A held text is screened at once, not after the sender says who they are.

    We cannot know which patient wrote it, so a text that may be a symptom is flagged on every
    patient who shares the number: a nurse sorting out the wrong one is cheap, a red flag waiting
    hours for "reply 1 or 2" is not. Returns the safety text for the TwiML response.
    """
    from followup.screening import screen_text as classify

    if classify(row.body or "").tier is None:
        return ""
    safety = ""
    for patient in candidates:
        screened = screen_text(patient=patient, text=row.body, inbound=row, now=now)
        safety = safety or screened.safety
    return safety


def _release_held(
    row: InboundMessage,
    prompt: SenderPrompt,
    patient: Patient,
    *,
    now: dt.datetime,
) -> Routed:
    """Route the held texts, oldest first, as the chosen patient's."""
    safety = []
    last: Handled | None = None
    for held in InboundMessage.objects.filter(pk__in=prompt.held_inbound_ids).order_by(
        "received_at", "id"
    ):
        last = conversation_inbound(patient=patient, inbound=held, now=now)
        if last.safety:
            safety.append(last.safety)
        held.patient = patient
        held.checkpoint = last.checkpoint
        held.kind = f"{last.kind} (after sender chosen)"[:30]
        held.reply_text = last.reply
        held.save(update_fields=["patient", "checkpoint", "kind", "reply_text"])
    return Routed("sender_chosen", patient, getattr(last, "checkpoint", None), " ".join(safety))


def _close_prompt(prompt: SenderPrompt, now: dt.datetime, *, reason: str) -> None:
    """Close a prompt; texts still held go to every candidate's timeline for staff to sort out."""
    if prompt.status == SenderPromptStatus.ASKING:
        held = list(
            InboundMessage.objects.filter(pk__in=prompt.held_inbound_ids).order_by(
                "received_at", "id"
            )
        )
        patients = list(Patient.objects.filter(pk__in=prompt.patient_ids))
        for message in held:
            message.kind = "unattributed"
            message.save(update_fields=["kind"])
            for patient in patients:
                timeline_add(
                    patient=patient,
                    kind="sms_unattributed",
                    at=now,
                    summary=f"Text from a phone shared by {len(patients)} patients, sender unknown: "
                    f"{message.body.strip()}"[:300],
                    data={"inbound": message.pk, "sender_prompt": prompt.pk},
                )
    prompt.status = SenderPromptStatus.CLOSED
    prompt.closed_at = now
    prompt.close_reason = reason[:100]
    prompt.save(update_fields=["status", "closed_at", "close_reason"])


def _close_sender_prompts(phone: str, now: dt.datetime, *, reason: str) -> None:
    open_prompts = SenderPrompt.objects.filter(phone=phone).exclude(
        status=SenderPromptStatus.CLOSED
    )
    # Every text from a patient's own number comes here and almost none has a prompt open: an
    # EXISTS probe, and the locking read of whole rows only when there is one.
    if not open_prompts.exists():
        return
    for prompt in open_prompts.select_for_update():
        _close_prompt(prompt, now, reason=reason)


def sender_prompts_expire(*, now: dt.datetime) -> dict:
    """Sweep step: unanswered "who is writing?" questions hand their held texts to staff."""
    closed = 0
    with transaction.atomic():
        prompts = list(
            SenderPrompt.objects.select_for_update(skip_locked=True)
            .filter(expires_at__lte=now)
            .exclude(status=SenderPromptStatus.CLOSED)[: settings.SWEEP_BATCH_SIZE]
        )
        for prompt in prompts:
            _close_prompt(prompt, now, reason="expired")
            closed += 1
    return {"sender_prompts_closed": closed}
