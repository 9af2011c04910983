"""The HL7v2 enrollment feed: store, claim, process once, acknowledge.

``hl7_receive(raw=...)`` is all the MLLP listener calls. A message is committed to
``Hl7Message`` before anything else happens; it is then processed under a row lock in one
transaction that also records the ACK given, so a resend (same MSH-4 + MSH-10) is answered with
that same ACK and changes nothing, and a crash mid-processing leaves the row ``received`` for the
resend to complete.

ACK codes: AA accepted (including "already enrolled"); AE application error with the reason
(unknown procedure code, no physician, invalid patient data, unknown booking to cancel); AR
rejected (unparseable, no control id, message type not accepted, unknown sending facility).
The reasons name fields and codes, never the patient's details; nothing here logs them.
"""

from __future__ import annotations

import datetime as dt
import logging

import hl7
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from followup.api.serializers import PatientInputSerializer
from followup.models import Enrollment, EnrollmentStatus
from followup.services.enrollments import (
    EnrollmentConflict,
    UnknownProcedure,
    enrollment_create,
    enrollment_withdraw,
)
from patients.audit import audit_record
from patients.models import AuditAction, ClinicMembership, Patient, Role

from ..models import ClinicInterface, Hl7Message, Hl7Status, ProcedureCodeMapping
from .segments import Booking, Header, booking, header

logger = logging.getLogger(__name__)

DEFAULT_ACCEPTED = ("SIU^S12", "SIU^S13", "SIU^S14", "SIU^S15", "ORM^O01")
# A procedure more than two years ago is refused by the API too; a scheduled one may be up to a
# year ahead (its checks are scheduled from that date and go out only after it).
MAX_PAST_DAYS = 730
MAX_FUTURE_DAYS = 365


class FeedError(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def accepted_types() -> tuple[str, ...]:
    return tuple(getattr(settings, "HL7_ACCEPTED_MESSAGES", DEFAULT_ACCEPTED))


def _ack(message: hl7.Message | None, code: str, text: str) -> str:
    ack_id = f"ACK{timezone.now():%Y%m%d%H%M%S%f}"
    app = getattr(settings, "HL7_APPLICATION", "SPINE_FOLLOWUP")
    if message is None:
        # Nothing parseable to answer: a bare ACK, still a valid one.
        stamp = f"{timezone.now():%Y%m%d%H%M%S}"
        return (
            f"MSH|^~\\&|{app}||||{stamp}||ACK|{ack_id}|P|2.5.1\rMSA|{code}|\rERR|||||E|||{text}\r"
        )
    ack = message.create_ack(code, message_id=ack_id, application=app)
    msa = ack.segment("MSA")
    msa.assign_field(text.replace("|", "/").replace("^", "_")[:80], 3)
    return str(ack)


def _parse(raw: str) -> hl7.Message | None:
    try:
        message = hl7.parse(raw)
        message.segment("MSH")
        return message
    except Exception:  # noqa: BLE001 - any parse failure is the same AR
        return None


def hl7_receive(*, raw: str) -> str:
    """Store, process once and return the ACK (ER7 text) for one inbound message."""
    raw = raw.replace("\r\n", "\r").replace("\n", "\r").strip("\r") + "\r"
    message = _parse(raw)
    if message is None:
        Hl7Message.objects.create(
            raw=raw,
            status=Hl7Status.REJECTED,
            ack_code="AR",
            ack_text="unparseable message",
            processed_at=timezone.now(),
        )
        return _ack(None, "AR", "unparseable message")
    head = header(message)
    if not head.control_id:
        Hl7Message.objects.create(
            raw=raw,
            sending_facility=head.facility[:100],
            message_type=head.message_type[:20],
            status=Hl7Status.REJECTED,
            ack_code="AR",
            ack_text="MSH-10 control id missing",
            processed_at=timezone.now(),
        )
        return _ack(message, "AR", "MSH-10 control id missing")
    row = _store(raw, head)
    return _process(row.pk, message, head)


def _store(raw: str, head: Header) -> Hl7Message:
    try:
        with transaction.atomic():
            return Hl7Message.objects.create(
                raw=raw,
                sending_facility=head.facility[:100],
                control_id=head.control_id[:100],
                message_type=head.message_type[:20],
            )
    except IntegrityError:
        return Hl7Message.objects.get(sending_facility=head.facility, control_id=head.control_id)


def _process(pk: int, message: hl7.Message, head: Header) -> str:
    with transaction.atomic():
        row = Hl7Message.objects.select_for_update().get(pk=pk)
        if row.status != Hl7Status.RECEIVED:
            # A resend: the ACK already given, nothing processed again.
            return _ack(message, row.ack_code, row.ack_text)
        try:
            with transaction.atomic():
                code, text = _apply(row, message, head)
        except FeedError as error:
            code, text = error.code, error.reason
            row.enrollment = None
        row.status = {"AA": Hl7Status.PROCESSED, "AE": Hl7Status.ERROR}.get(
            code, Hl7Status.REJECTED
        )
        row.ack_code, row.ack_text = code, text[:200]
        row.processed_at = timezone.now()
        row.save()
    logger.info("hl7 %s %s from %s: %s", head.message_type, row.pk, head.facility, code)
    return _ack(message, code, text)


def _apply(row: Hl7Message, message: hl7.Message, head: Header) -> tuple[str, str]:
    if head.message_type not in accepted_types():
        raise FeedError("AR", f"message type {head.message_type} not accepted")
    interface = (
        ClinicInterface.objects.select_related("clinic", "default_physician")
        .filter(sending_facility=head.facility)
        .first()
    )
    if interface is None:
        raise FeedError("AR", f"unknown sending facility {head.facility!r}")
    row.clinic = interface.clinic
    item = booking(message, head)
    if not item.action:
        raise FeedError("AE", "ORC-1 order control not handled (NW, XO, CA, OC, DC)")
    if not item.placer_id:
        raise FeedError("AE", "placer id missing (SCH-1 / ORC-2)")
    row.placer_id = item.placer_id[:100]
    previous = _booked(head.facility, item.placer_id, exclude=row.pk)
    if item.action == "cancel":
        if previous is None:
            raise FeedError("AE", f"no enrollment for placer id {item.placer_id}")
        row.enrollment = previous
        if previous.status != EnrollmentStatus.WITHDRAWN:
            enrollment_withdraw(enrollment=previous, reason="procedure cancelled in the EHR")
            _audit(row, previous, AuditAction.CHANGE, "withdrawn")
            return "AA", f"enrollment {previous.pk} withdrawn"
        return "AA", f"enrollment {previous.pk} already withdrawn"
    if item.action == "update" and previous is not None:
        if (
            previous.performed_on == item.performed_on
            and previous.status != EnrollmentStatus.WITHDRAWN
        ):
            row.enrollment = previous
            return "AA", f"enrollment {previous.pk} unchanged"
        try:
            enrollment = _enroll(interface, item)
            _audit(row, enrollment, AuditAction.CREATE, "created")
        except EnrollmentConflict as conflict:
            enrollment = conflict.existing
        if previous.status != EnrollmentStatus.WITHDRAWN:
            enrollment_withdraw(
                enrollment=previous, reason=f"rescheduled in the EHR: enrollment {enrollment.pk}"
            )
            _audit(row, previous, AuditAction.CHANGE, "rescheduled")
        row.enrollment = enrollment
        return "AA", f"enrollment {previous.pk} moved to enrollment {enrollment.pk}"
    try:
        enrollment = _enroll(interface, item)
    except EnrollmentConflict as conflict:
        row.enrollment = conflict.existing
        return "AA", f"already enrolled as enrollment {conflict.existing.pk}"
    _audit(row, enrollment, AuditAction.CREATE, "created")
    row.enrollment = enrollment
    return "AA", f"enrollment {enrollment.pk} created"


def _booked(facility: str, placer_id: str, *, exclude: int) -> Enrollment | None:
    """The enrollment of the latest processed message about this booking."""
    earlier = (
        Hl7Message.objects.filter(
            sending_facility=facility,
            placer_id=placer_id,
            enrollment__isnull=False,
            status=Hl7Status.PROCESSED,
        )
        .exclude(pk=exclude)
        .select_related("enrollment")
        .order_by("-pk")
        .first()
    )
    return earlier.enrollment if earlier else None


def _physician(interface: ClinicInterface, item: Booking):
    if item.physician_id:
        membership = (
            ClinicMembership.objects.filter(
                clinic=interface.clinic,
                user__username=item.physician_id,
                role=Role.PHYSICIAN,
                is_active=True,
            )
            .select_related("user")
            .first()
        )
        if membership is not None:
            return membership.user
    if interface.default_physician is not None:
        return interface.default_physician
    raise FeedError("AE", "no physician of the clinic named (AIP-3 / OBR-16) and no default")


def _audit(row: Hl7Message, enrollment: Enrollment, action: str, event: str) -> None:
    """One audit event per enrollment the feed creates or withdraws (no user: the EHR did it).

    Ids and codes only: the message row and control id identify what the engine sent.
    """
    audit_record(
        action=action,
        clinic=enrollment.clinic,
        patient=enrollment.patient,
        obj=enrollment,
        status_code=200,
        detail={
            "via": "hl7",
            "event": event,
            "hl7_message": row.pk,
            "control_id": row.control_id[:40],
            "sending_facility": row.sending_facility[:40],
        },
    )


def _enroll(interface: ClinicInterface, item: Booking) -> Enrollment:
    mapping = ProcedureCodeMapping.objects.filter(
        clinic=interface.clinic, code=item.code, is_active=True
    ).first()
    if mapping is None:
        raise FeedError("AE", f"unknown procedure code {item.code!r}")
    if item.performed_on is None:
        raise FeedError("AE", "procedure date missing or invalid (AIS-4 / OBR-7)")
    today = dt.date.today()
    if (
        not today - dt.timedelta(days=MAX_PAST_DAYS)
        <= item.performed_on
        <= today + dt.timedelta(days=MAX_FUTURE_DAYS)
    ):
        raise FeedError("AE", "procedure date out of range")
    if not item.mrn:
        raise FeedError("AE", "PID-3 MRN missing")
    # A known patient keeps the zone staff or the API gave them; a new one gets the clinic's.
    zone = (
        Patient.objects.filter(clinic=interface.clinic, mrn=item.mrn)
        .values_list("time_zone", flat=True)
        .first()
    ) or interface.clinic.time_zone
    patient = PatientInputSerializer(data={**item.patient, "mrn": item.mrn, "time_zone": zone})
    if not patient.is_valid():
        fields = ", ".join(sorted(patient.errors))
        raise FeedError("AE", f"invalid patient data: {fields}")
    physician = _physician(interface, item)
    try:
        return enrollment_create(
            clinic=interface.clinic,
            physician=physician,
            patient_data=dict(patient.validated_data),
            procedure=mapping.procedure,
            performed_on=item.performed_on,
            external_id=item.placer_id[:100],
        )
    except UnknownProcedure:
        raise FeedError(
            "AE", f"code {item.code!r} maps to unknown protocol {mapping.procedure!r}"
        ) from None
