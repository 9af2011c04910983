"""A phone shared by several patients: hold the text and ask who is writing, never guess.

The question names each patient by initials only; the answer routes the held texts, oldest
first, as the chosen patient's, and texts from the number go to that patient for a session
(SENDER_CHOICE_TTL). An unanswered question expires (SENDER_PROMPT_TTL) and hands the held
texts to staff on every candidate's timeline. A held text is screened at once for every
candidate (see _screen_held).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from notifications.inbound import Routed, inbound_reply, reply_key
from notifications.models import InboundMessage
from patients.models import Patient

from .. import messages as msg
from ..messages import render
from ..models import SenderPrompt, SenderPromptStatus
from ..parsing import parse_choice
from ..screening import screen_text as classify
from ..timeline import timeline_add
from .incoming import conversation_inbound
from .red_flags import screen_text
from .state import Handled, language_of

# "Who is writing?" waits this long for an answer; then the held texts go to staff.
SENDER_PROMPT_TTL = dt.timedelta(hours=4)
# After the sender says who they are, texts from the number go to that patient until this long
# passes without one (a conversation session), so a survey is not interrupted at every answer.
SENDER_CHOICE_TTL = dt.timedelta(hours=2)
MAX_SENDER_PROMPTS = 2


def routed_from(handled: Handled, patient: Patient) -> Routed:
    """The transport's record of a text the survey engine handled for ``patient``."""
    return Routed(handled.kind, patient, handled.checkpoint, handled.safety, handled.reply)


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
    return inbound_reply(
        row,
        body=render(msg.ASK_SENDER, lang, choices=choices),
        key=reply_key(row.message_sid, "ask"),
        now=now,
    )


def shared_number_route(
    row: InboundMessage, candidates: list[Patient], *, now: dt.datetime
) -> Routed:
    """Several patients share this phone: hold the text and ask who is writing."""
    prompt = _open_prompt_for(row.from_number, candidates)
    if prompt is not None and prompt.expires_at <= now:
        _close_prompt(prompt, now, reason="expired")
        prompt = None
    by_id = {p.pk: p for p in candidates}
    if prompt is not None and prompt.status == SenderPromptStatus.CHOSEN:
        chosen = by_id.get(prompt.chosen_patient_id)
        if chosen is not None:
            prompt.expires_at = now + SENDER_CHOICE_TTL
            prompt.save(update_fields=["expires_at"])
            return routed_from(
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


def _open_prompt_for(phone: str, candidates: list[Patient]) -> SenderPrompt | None:
    """The open prompt for this phone that offered these patients (one clinic's, see
    clinic_routing.py): another clinic's prompt on the same phone is never answered from here."""
    ids = {p.pk for p in candidates}
    for prompt in (
        SenderPrompt.objects.select_for_update()
        .filter(phone=phone)
        .exclude(status=SenderPromptStatus.CLOSED)
        .order_by("-created_at", "-id")
    ):
        if ids.intersection(prompt.patient_ids):
            return prompt
    return None


def _screen_held(row: InboundMessage, candidates: list[Patient], *, now: dt.datetime) -> str:
    """A held text is screened at once, not after the sender says who they are.

    We cannot know which patient wrote it, so a text that may be a symptom is flagged on every
    patient who shares the number: a nurse sorting out the wrong one is cheap, a red flag waiting
    hours for "reply 1 or 2" is not. Returns the safety text for the TwiML response.
    """
    if classify(row.body or "").tier is None:
        return ""
    safety = ""
    for patient in candidates:
        # No safety screen here: one phone, several patients, so a numbered reply could not be
        # told apart; the text's ROUTINE triage item goes to a nurse instead (issue 21).
        screened = screen_text(
            patient=patient, text=row.body, inbound=row, now=now, start_screen=False
        )
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


def sender_prompts_close(
    phone: str, now: dt.datetime, *, reason: str, patient_ids: list[int] | None = None
) -> None:
    """Close the open prompts for ``phone``; with ``patient_ids``, only those that offered one
    of them (another clinic's prompt on the same phone is left alone)."""
    open_prompts = SenderPrompt.objects.filter(phone=phone).exclude(
        status=SenderPromptStatus.CLOSED
    )
    # Every text from a patient's own number comes here and almost none has a prompt open: an
    # EXISTS probe, and the locking read of whole rows only when there is one.
    if not open_prompts.exists():
        return
    for prompt in open_prompts.select_for_update():
        if patient_ids is None or set(patient_ids).intersection(prompt.patient_ids):
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
