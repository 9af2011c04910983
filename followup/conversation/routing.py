"""Routing of one stored inbound text (settings.INBOUND_HANDLER), the first rule that applies wins:

0. the clinic: when the phone is on patients of several clinics, only one clinic's patients are
   candidates for everything below (clinic_routing.py: the number it was sent to, then the
   clinic in conversation with the phone);
1. a clinician's page phone answering a page (ACK ...) - handled by the escalation feature;
2. keywords: STOP and its plain-language forms, START, HELP - they always win over the survey;
3. unknown number: one neutral reply (no PHI), kept for staff;
4. opted-out patient: stored and shown to staff, never answered;
5. a number shared by several patients: ask who is writing, never guess (shared_phone.py);
6. the patient's open conversation, else an unsolicited text (timeline + red-flag screening).

The transport (``notifications.inbound``) stores, claims and orders the texts and calls
:func:`inbound_route` inside the claiming transaction; it sends the safety text handed back in
``Routed.safety`` once per text. Replies go through the outbox (``inbound_reply``).
"""

from __future__ import annotations

import datetime as dt

from notifications.inbound import Routed, inbound_reply
from notifications.keywords import Keyword, classify_keyword
from notifications.models import InboundMessage, OutboundPurpose
from patients.models import Patient
from patients.services import patient_opt_in, patient_opt_out

from .. import messages as msg
from ..messages import render
from ..timeline import timeline_add
from .clinic_routing import inbound_clinic_patients
from .incoming import conversation_inbound
from .red_flags import screen_text
from .shared_phone import routed_from, sender_prompts_close, shared_number_route
from .state import language_of


def inbound_route(row: InboundMessage, *, now: dt.datetime) -> Routed:
    """Route one claimed text; what became of it goes back to the transport."""
    clinician_reply = _clinician_reply(row, now)
    if clinician_reply is not None:
        reply = (
            inbound_reply(row, body=clinician_reply, purpose=OutboundPurpose.OTHER, now=now)
            if clinician_reply
            else ""
        )
        return Routed("clinician", reply=reply)
    on_phone = list(
        Patient.objects.select_related("clinic").filter(phone=row.from_number).order_by("id")
    )
    # One clinic per text (clinic_routing.py): a phone on patients of two clinics never crosses.
    patients = inbound_clinic_patients(row, on_phone, now=now)
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
        return shared_number_route(row, reachable, now=now)
    sender_prompts_close(
        row.from_number, now, reason="number no longer shared", patient_ids=[reachable[0].pk]
    )
    return routed_from(
        conversation_inbound(patient=reachable[0], inbound=row, now=now),
        reachable[0],
    )


def _clinician_reply(row: InboundMessage, now: dt.datetime) -> str | None:
    """The escalation feature's answer when the sender is a clinician's page phone, else None."""
    from ..services.escalations.sms_ack import sms_ack_handle
    from ..services.redflags import parse_ack

    return sms_ack_handle(from_number=row.from_number, codes=parse_ack(row.body), now=now)


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
    # An opt-out can carry a symptom ("Unsubscribe. I'm bleeding"): the opt-out is honoured, and
    # the text is still screened like any text from an opted-out number, so a clinician is paged.
    # No safety screen is sent (the patient asked for no texts); what the screener would tell the
    # patient rides on the one confirmation they get anyway.
    safety = ""
    if len(patients) == 1:
        safety = screen_text(
            patient=patients[0], text=row.body, inbound=row, now=now, start_screen=False
        ).safety
    if not changed:
        return Routed("stop_repeat", patients[0])
    patient = changed[0]
    body = render(msg.STOP_CONFIRM, language_of(patient), clinic=patient.clinic.name)
    # Queued after the opt-out, which cancels every pending text to the patient except this one.
    reply = inbound_reply(
        row, body=f"{safety} {body}" if safety else body, patient=patient, now=now
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
    reply = inbound_reply(
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
    return Routed("help", patient, reply=inbound_reply(row, body=body, patient=patient, now=now))


def _unknown_number(row: InboundMessage, now: dt.datetime) -> Routed:
    """One neutral reply per number, ever: no clinic, no name, nothing about care."""
    reply = inbound_reply(
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
