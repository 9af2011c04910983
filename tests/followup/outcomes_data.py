"""Hand-built outcome data for the outcome and export tests.

Rows are written directly (Answer, Score, Flag, Escalation), the way the survey engine and the
escalation services would leave them, so every figure in the tests can be worked out by hand
from the tables in ``tests/followup/test_outcomes_cohort.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from followup.instruments.ndi import NDI_SECTION_KEYS
from followup.instruments.registry import instrument_for
from followup.models import (
    Answer,
    AnswerStatus,
    Checkpoint,
    CheckpointStatus,
    Enrollment,
    EnrollmentStatus,
    Escalation,
    Flag,
    Score,
)
from followup.odi import ODI_SECTION_KEYS
from tests.factories import PatientFactory, enroll

UTC = dt.UTC
PERFORMED = dt.date(2026, 1, 5)
ENROLLED_AT = dt.datetime(2026, 1, 5, 20, 0, tzinfo=UTC)


def odi_sections(percent: int, keys: tuple[str, ...] = ODI_SECTION_KEYS) -> dict[str, int]:
    """Ten ODI section scores summing to percent / 2 (10 sections: percent = sum x 2)."""
    if percent % 2 or not 0 <= percent <= 100:
        raise ValueError("use an even percent 0-100")
    total, out = percent // 2, {}
    for key in keys:
        out[key] = min(5, total)
        total -= out[key]
    return out


def patient_enrolled(
    clinic,
    physician,
    *,
    procedure="ESI",
    performed_on=PERFORMED,
    baseline_pain=None,
    baseline_odi=None,
    mrn=None,
    enrolled_at=None,
    **patient,
) -> Enrollment:
    extra = {"mrn": mrn} if mrn else {}
    p = PatientFactory(clinic=clinic, **extra, **patient)
    enrollment = enroll(
        patient=p,
        physician=physician,
        procedure=procedure,
        performed_on=performed_on,
        now=enrolled_at or ENROLLED_AT,
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(
        baseline_pain=baseline_pain,
        baseline_odi=None if baseline_odi is None else Decimal(str(baseline_odi)),
    )
    enrollment.refresh_from_db()
    return enrollment


def check(enrollment: Enrollment, key: str) -> Checkpoint:
    return enrollment.checkpoints.get(key=key)


def record(
    enrollment: Enrollment,
    key: str,
    *,
    status: str = CheckpointStatus.COMPLETED,
    nrs_now=None,
    nrs_avg=None,
    vas=None,
    odi=None,
    ndi=None,
    pain_back=None,
    pain_leg=None,
    meds=None,
    pgic=None,
    pgic7=None,
    text=None,
    at: dt.datetime | None = None,
) -> Checkpoint:
    """Answers and scores of one check, and its status, as the survey engine would leave them."""
    cp = check(enrollment, key)
    at = at or dt.datetime.combine(cp.target_date, dt.time(16, 0), tzinfo=UTC)

    def answer(code, _old_label, value, raw=None):
        # The label the one answer writer gives (followup/answers.py), from the registry.
        Answer.objects.create(
            checkpoint=cp,
            question_code=code,
            instrument=instrument_for(code),
            value=value,
            raw_text=raw if raw is not None else str(value),
            answered_at=at,
            status=AnswerStatus.ANSWERED,
        )

    for code, kind, value in (
        ("PAIN_NOW", Score.Kind.NRS_NOW, nrs_now),
        ("PAIN_AVG", Score.Kind.NRS_AVG, nrs_avg),
    ):
        if value is not None:
            answer(code, "nrs", value)
            Score.objects.create(checkpoint=cp, kind=kind, value=Decimal(value), computed_at=at)
    if vas is not None:
        answer("VAS", "vas", vas)
        Score.objects.create(checkpoint=cp, kind=Score.Kind.VAS, value=Decimal(vas), computed_at=at)
    if odi is not None:
        answer("ODI", "web_form", odi_sections(odi), raw="")
        Score.objects.create(checkpoint=cp, kind=Score.Kind.ODI, value=Decimal(odi), computed_at=at)
    if ndi is not None:
        answer("NDI", "ndi", odi_sections(ndi, NDI_SECTION_KEYS), raw="")
        Score.objects.create(checkpoint=cp, kind=Score.Kind.NDI, value=Decimal(ndi), computed_at=at)
    for code, kind, value in (
        ("PAIN_BACK", Score.Kind.NRS_BACK, pain_back),
        ("PAIN_LEG", Score.Kind.NRS_LEG, pain_leg),
    ):
        if value is not None:
            answer(code, "nrs", value)
            Score.objects.create(checkpoint=cp, kind=kind, value=Decimal(value), computed_at=at)
    if meds is not None:
        answer("MEDS", "choice", meds)
    if pgic is not None:
        answer("PGIC", "choice", pgic)
    if pgic7 is not None:
        answer("PGIC7", "choice", pgic7)
    if text is not None:
        answer("ANYTHING_ELSE", "free_text", text, raw=text)
    cp.status = status
    cp.status_reason = ""
    cp.completed_at = at if status == CheckpointStatus.COMPLETED else None
    cp.opened_at = cp.opened_at or at
    cp.save()
    return cp


def set_status(enrollment: Enrollment, key: str, status: str) -> Checkpoint:
    cp = check(enrollment, key)
    cp.status = status
    cp.save(update_fields=["status"])
    return cp


def withdraw(enrollment: Enrollment) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.WITHDRAWN, withdrawn_reason="moved away"
    )
    enrollment.checkpoints.filter(status__in=["scheduled", "open"]).update(status="cancelled")
    enrollment.refresh_from_db()


def flag(
    enrollment: Enrollment,
    tier: str,
    rule_code: str,
    *,
    key: str | None = "d14",
    at: dt.datetime | None = None,
    reason: str | None = None,
) -> Flag:
    cp = check(enrollment, key) if key else None
    when = at or (
        dt.datetime.combine(cp.target_date, dt.time(16, 5), tzinfo=UTC) if cp else ENROLLED_AT
    )
    return Flag.objects.create(
        patient=enrollment.patient,
        enrollment=enrollment,
        checkpoint=cp,
        rule_code=rule_code,
        tier=tier,
        reason=reason or f"{rule_code} reason",
        created_at=when,
    )


_codes = iter(range(1000, 9999))


def escalation(
    enrollment: Enrollment,
    tier: str,
    *,
    created_at: dt.datetime,
    ack_after: dt.timedelta | None,
    kind: str = "X",
    reason: str = "r",
) -> Escalation:
    return Escalation.objects.create(
        clinic=enrollment.clinic,
        patient=enrollment.patient,
        enrollment=enrollment,
        tier=tier,
        kind=f"{kind}-{next(_codes)}",
        reason=reason,
        code=str(next(_codes)),
        status="acknowledged" if ack_after is not None else "open",
        created_at=created_at,
        acknowledged_at=None if ack_after is None else created_at + ack_after,
    )
