"""Enrolling patients and withdrawing them."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.outbox import outbox_cancel
from patients.models import Clinic
from patients.services import patient_upsert

from ..diaries.enrolment import diary_schedule_at_enrolment
from ..instruments.indexes import swap_index
from ..models import Checkpoint, CheckpointStatus, Enrollment, EnrollmentStatus
from ..protocols import protocol_current
from ..scheduling import checkpoint_schedule, local_datetime

logger = logging.getLogger(__name__)


class EnrollmentConflict(Exception):
    """The same patient, procedure and date is already enrolled."""

    def __init__(self, existing: Enrollment) -> None:
        super().__init__(f"already enrolled as enrollment {existing.pk}")
        self.existing = existing


class UnknownProcedure(Exception):
    pass


def enrollment_create(
    *,
    clinic: Clinic,
    physician,
    patient_data: dict,
    procedure: str,
    performed_on: dt.date,
    baseline_pain: int | None = None,
    baseline_odi=None,
    baseline_ndi=None,
    baseline_back_pain: int | None = None,
    baseline_leg_pain: int | None = None,
    levels: str = "",
    side: str = "",
    external_id: str = "",
    created_by=None,
    now: dt.datetime | None = None,
    diary: dict | None = None,
) -> Enrollment:
    """Enroll a patient (created or updated by clinic + MRN) and schedule the protocol's checks.

    ``diary`` (optional: ``block_at`` + ``anaesthetic``, or ``trial_days``) also schedules a
    relief diary (followup/diaries/enrolment.py)."""
    now = now or timezone.now()
    protocol = protocol_current(code=procedure)
    if protocol is None:
        raise UnknownProcedure(procedure)
    try:
        with transaction.atomic():
            data = dict(patient_data)
            mrn = data.pop("mrn")
            # A changed time zone moves the pending checks (on_patient_saved below).
            patient, _ = patient_upsert(clinic=clinic, mrn=mrn, data=data, changed_by=created_by)
            existing = Enrollment.objects.filter(
                patient=patient, procedure=procedure, performed_on=performed_on
            ).first()
            if existing is not None:
                raise EnrollmentConflict(existing)
            enrollment = Enrollment.objects.create(
                patient=patient,
                clinic=clinic,
                protocol=protocol,
                procedure=procedure,
                physician=physician,
                performed_on=performed_on,
                baseline_pain=baseline_pain,
                baseline_odi=baseline_odi,
                baseline_ndi=baseline_ndi,
                baseline_back_pain=baseline_back_pain,
                baseline_leg_pain=baseline_leg_pain,
                levels=levels,
                side=side,
                external_id=external_id,
                created_by=created_by,
            )
            Checkpoint.objects.bulk_create(
                _checkpoints_for(enrollment, tz_name=patient.time_zone, now=now)
            )
            if diary:
                diary_schedule_at_enrolment(enrollment=enrollment, **diary)
    except IntegrityError:
        # Two requests raced past the existence check; the unique constraint decided.
        existing = Enrollment.objects.filter(
            patient__clinic=clinic,
            patient__mrn=patient_data["mrn"],
            procedure=procedure,
            performed_on=performed_on,
        ).first()
        if existing is None:
            raise
        raise EnrollmentConflict(existing) from None
    logger.debug(
        "enrollment %s created (%s, protocol v%s)", enrollment.pk, procedure, protocol.version
    )
    return enrollment


def _checkpoints_for(enrollment: Enrollment, *, tz_name: str, now: dt.datetime) -> list[Checkpoint]:
    rows = []
    for item in checkpoint_schedule(
        definition=enrollment.protocol.definition,
        performed_on=enrollment.performed_on,
        tz_name=tz_name,
    ):
        # At cervical levels the web form asks the NDI instead of the ODI.
        item["question_codes"] = swap_index(item["question_codes"], enrollment.levels)
        checkpoint = Checkpoint(enrollment=enrollment, **item)
        if now >= checkpoint.closes_at:
            # Enrolled after this window closed: recorded, never silently dropped.
            checkpoint.status = CheckpointStatus.SKIPPED
            checkpoint.status_reason = (
                f"enrolled late: window closed {checkpoint.window_closes.isoformat()}"
            )
            checkpoint.closed_at = now
        elif now >= checkpoint.send_at:
            checkpoint.send_at = now
            checkpoint.status_reason = "enrolled late: opens at once"
        rows.append(checkpoint)
    return rows


def on_patient_saving(sender, instance, update_fields=None, **kwargs) -> None:
    """pre_save: remember the stored time zone, for ``on_patient_saved``."""
    if instance.pk is None or (update_fields is not None and "time_zone" not in update_fields):
        instance._stored_time_zone = None
        return
    instance._stored_time_zone = (
        type(instance).objects.filter(pk=instance.pk).values_list("time_zone", flat=True).first()
    )


def on_patient_saved(sender, instance, created: bool, **kwargs) -> None:
    """post_save: a patient whose time zone changed, by whatever path (the API's upsert, the
    admin, a data fix), gets their pending checks moved to the new zone's 10:00."""
    old = getattr(instance, "_stored_time_zone", None)
    instance._stored_time_zone = None
    if created or old is None or old == instance.time_zone:
        return
    with transaction.atomic():
        checkpoints_reschedule(patient=instance, now=timezone.now())


def checkpoints_reschedule(*, patient, now: dt.datetime) -> int:
    """Move the patient's pending checks to their current time zone (they moved, or the zone was
    corrected): a check still goes out at the protocol's local hour, and a window still ends at
    local midnight. Returns how many checks changed.

    Only the untouched send times move; a time the sweep already deferred (quiet hours, message
    limit) was computed in whatever zone applied then and is checked again when it comes due.
    """
    send_time = dt.time(settings.FOLLOWUP_SEND_HOUR, 0)
    changed = 0
    rows = Checkpoint.objects.select_for_update().filter(
        enrollment__patient=patient,
        status__in=[CheckpointStatus.SCHEDULED, CheckpointStatus.OPEN],
    )
    for checkpoint in rows:
        fields = {
            "closes_at": local_datetime(
                checkpoint.window_closes + dt.timedelta(days=1), dt.time(0, 0), patient.time_zone
            )
        }
        if checkpoint.status == CheckpointStatus.SCHEDULED and not checkpoint.status_reason:
            fields["send_at"] = local_datetime(checkpoint.target_date, send_time, patient.time_zone)
        if any(getattr(checkpoint, name) != value for name, value in fields.items()):
            Checkpoint.objects.filter(pk=checkpoint.pk).update(**fields)
            changed += 1
    if changed:
        logger.info("patient %s: %s checks moved to a new time zone", patient.pk, changed)
    return changed


@transaction.atomic
def enrollment_withdraw(*, enrollment: Enrollment, reason: str, user=None) -> Enrollment:
    """Stop all follow-up of an enrollment: future checks cancelled, unsent texts cancelled."""
    now = timezone.now()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now, withdrawn_reason=reason[:200]
    )
    enrollment.checkpoints.filter(
        status__in=[CheckpointStatus.SCHEDULED, CheckpointStatus.OPEN]
    ).update(
        status=CheckpointStatus.CANCELLED, status_reason=f"withdrawn: {reason}"[:200], closed_at=now
    )
    outbox_cancel(queryset=OutboundMessage.objects.filter(checkpoint__enrollment=enrollment))
    enrollment.refresh_from_db()
    return enrollment
