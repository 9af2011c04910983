"""The generator: staff, then enrollments with their checks, in COPY chunks."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from followup.models import (
    Answer,
    Checkpoint,
    Enrollment,
    Escalation,
    Flag,
    OnCallShift,
    Page,
    Score,
    TimelineEvent,
)
from followup.questions import QUESTIONS
from followup.scheduling import checkpoint_schedule, local_datetime
from notifications.models import InboundMessage, OutboundMessage
from patients.models import Clinic, ClinicMembership, Patient, Role

from .copier import Copier, Progress, max_id
from .history import BenchHistory
from .spec import (
    ANSWERED_SHARE,
    BENCH_PASSWORD,
    BENCH_USER,
    CHUNK,
    COMPLETED_SHARE,
    DUE_KEYS,
    FIRST,
    LAST,
    PROCEDURES,
    ZONES,
    weighted,
)


class BenchGenerator(BenchHistory):
    def __init__(self, *, rng, protocols, day, as_of, answers_target) -> None:
        self.rng = rng
        self.protocols = protocols
        self.day = day
        self.as_of = as_of
        self.answers_target = answers_target
        self.password = make_password(BENCH_PASSWORD)
        self.copiers = {
            model: Copier(model, max_id(model))
            for model in (
                Patient,
                Enrollment,
                Checkpoint,
                Answer,
                Score,
                OutboundMessage,
                InboundMessage,
                Flag,
                Escalation,
                Page,
                TimelineEvent,
            )
        }
        self.answer_share = 0.0  # no answers unless asked for
        self.open_escalations_left = 0
        self.open_escalation_keys: set[tuple[int, str]] = set()

    # -- people ---------------------------------------------------------------------------------
    def staff(self, clinic_count: int) -> None:
        """Clinics, physicians, nurses, an admin each, on-call shifts; one user who sees all."""
        from patients.permissions import user_sync_groups

        users = get_user_model()
        self.clinics = []
        self.physicians: dict[int, list[int]] = {}
        self.primary: dict[int, int] = {}
        bench_user, _ = users.objects.get_or_create(
            username=BENCH_USER, defaults={"first_name": "Bench", "last_name": "Admin"}
        )
        bench_user.password = self.password
        bench_user.save()
        start = self.as_of - dt.timedelta(days=3)
        end = dt.datetime.now(dt.UTC) + dt.timedelta(days=14)
        phone = 5550000
        for index in range(clinic_count):
            clinic = Clinic.objects.create(
                slug=f"bench-{index + 1}",
                name=f"Bench Spine {index + 1}",
                phone=f"+1512{phone:07d}",
                time_zone="America/Chicago",
            )
            self.clinics.append(clinic)
            ClinicMembership.objects.create(
                user=bench_user, clinic=clinic, role=Role.CLINIC_ADMIN, page_phone=""
            )
            self.physicians[clinic.pk] = []
            for number in range(12):
                phone += 1
                role = Role.PHYSICIAN if number < 8 else Role.TRIAGE_NURSE
                user = users.objects.create(
                    username=f"bench-{index + 1}-{number + 1}",
                    first_name=self.rng.choice(FIRST),
                    last_name=self.rng.choice(LAST),
                    password=self.password,
                )
                ClinicMembership.objects.create(
                    user=user,
                    clinic=clinic,
                    role=role,
                    page_phone=f"+1512{phone:07d}",
                    page_email=f"{user.username}@bench.example",
                )
                user_sync_groups(user=user)
                if role == Role.PHYSICIAN:
                    self.physicians[clinic.pk].append(user.pk)
                if number < 3:
                    OnCallShift.objects.create(
                        clinic=clinic,
                        user=user,
                        role=("primary", "backup", "lead")[number],
                        starts_at=start,
                        ends_at=end,
                    )
                if number == 0:
                    self.primary[clinic.pk] = user.pk
        user_sync_groups(user=bench_user)

    # -- enrollments ----------------------------------------------------------------------------
    def run(self, *, active: int, completed: int, due: int, open_escalations: int) -> None:
        total = active + completed
        self.open_escalations_left = open_escalations
        if self.answers_target:
            self.answer_share = self._estimate_share(active, completed)
        progress = Progress(total, "bench_data")
        with connection.cursor() as cursor:
            for first in range(0, total, CHUNK):
                with transaction.atomic():
                    for index in range(first, min(first + CHUNK, total)):
                        self.enrollment(index, due=index < due, completed=index >= active)
                    for copier in self.copiers.values():
                        copier.flush(cursor)
                progress.advance(min(CHUNK, total - first))
            for copier in self.copiers.values():
                copier.fix_sequence(cursor)
        progress.close()

    def _estimate_share(self, active: int, completed: int) -> float:
        """Answer whole surveys for this share of closed checks, to land near --answers."""
        rng = self.rng
        self.rng = random.Random(12345)
        sample = min(active + completed, 1000)
        count = 0.0
        for _ in range(sample):
            for cp in self._schedule(self._plan(completed=False, due=False))[1]:
                if cp["closes_at"] <= self.as_of:
                    count += len(cp["question_codes"]) * ANSWERED_SHARE
                elif cp["send_at"] <= self.as_of:
                    count += len(cp["question_codes"]) / 2
        self.rng = rng
        expected = count / sample * (active + completed)
        return min(1.0, self.answers_target / expected) if expected else 1.0

    def _plan(self, *, completed: bool, due: bool) -> dict:
        rng = self.rng
        procedure = weighted(rng, PROCEDURES)
        protocol = self.protocols[procedure]
        due_key = None
        if due:
            keys = {cp["key"]: cp["target_day"] for cp in protocol.checkpoints}
            due_key = weighted(rng, [(k, w) for k, w in DUE_KEYS if k in keys])
            performed = self.day - dt.timedelta(days=keys[due_key])
        elif completed:
            performed = self.day - dt.timedelta(days=rng.randint(400, 760))
        else:
            performed = self.day - dt.timedelta(days=rng.randint(0, 370))
        return {
            "procedure": procedure,
            "protocol": protocol,
            "performed": performed,
            "zone": weighted(rng, ZONES),
            "due_key": due_key,
            "completed": completed,
        }

    def _schedule(self, plan: dict) -> tuple[dict, list[dict]]:
        rows = checkpoint_schedule(
            definition=plan["protocol"].definition,
            performed_on=plan["performed"],
            tz_name=plan["zone"],
        )
        return plan, rows

    def enrollment(self, index: int, *, due: bool, completed: bool) -> None:
        rng = self.rng
        plan, schedule = self._schedule(self._plan(completed=completed, due=due))
        clinic = self.clinics[index % len(self.clinics)]
        created = local_datetime(plan["performed"], dt.time(15, 0), plan["zone"])
        patients, enrollments = self.copiers[Patient], self.copiers[Enrollment]
        language = "es" if rng.random() < 0.15 else "en"
        phone = f"+1{2_000_000_000 + index:010d}"
        patient = {
            "id": patients.new_id(),
            "clinic_id": clinic.pk,
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "phone": phone,
        }
        patients.add(
            **patient,
            date_of_birth=dt.date(
                1940 + rng.randint(0, 50), rng.randint(1, 12), rng.randint(1, 28)
            ),
            mrn=f"B{index:08d}",
            email=f"p{index}@bench.example" if rng.random() < 0.4 else "",
            time_zone=plan["zone"],
            language=language,
            preferred_channel="sms",
            sms_consent=True,
            sms_consent_at=created,
            created_at=created,
            updated_at=created,
        )
        baseline_pain = rng.randint(4, 10) if rng.random() < 0.9 else None
        enrollment = {
            "id": enrollments.new_id(),
            "patient_id": patient["id"],
            "clinic_id": clinic.pk,
            "physician_id": rng.choice(self.physicians[clinic.pk]),
            "procedure": plan["procedure"],
        }
        enrollments.add(
            **enrollment,
            protocol_id=plan["protocol"].pk,
            performed_on=plan["performed"],
            status="completed" if completed else "active",
            baseline_pain=baseline_pain,
            baseline_odi=Decimal(rng.randint(20, 70)) if rng.random() < 0.7 else None,
            created_at=created,
        )
        for row in schedule:
            self.checkpoint(
                row, plan=plan, patient=patient, enrollment=enrollment, baseline=baseline_pain
            )

    def checkpoint(self, row: dict, *, plan, patient, enrollment, baseline) -> None:
        rng = self.rng
        checkpoints = self.copiers[Checkpoint]
        cp_id = checkpoints.new_id()
        values = {**row, "id": cp_id, "enrollment_id": enrollment["id"]}
        codes = row["question_codes"]
        sms = [c for c in codes if QUESTIONS[c]["type"] != "web_form"]
        if row["key"] == plan["due_key"] or row["send_at"] > self.as_of:
            checkpoints.add(**values, status="scheduled")
            return
        opened = row["send_at"]
        values |= {"opened_at": opened, "channel": "sms", "last_activity_at": opened}
        self._outbound(patient, cp_id, f"checkpoint:{cp_id}:open", "check_open", opened, True)
        answered: list[str] = []
        if row["closes_at"] <= self.as_of:
            if rng.random() < COMPLETED_SHARE:
                done = opened + dt.timedelta(hours=rng.uniform(0.1, 30))
                values |= {
                    "status": "completed",
                    "completed_at": done,
                    "current_index": len(codes),
                    "last_activity_at": done,
                }
                answered = codes if rng.random() < self.answer_share else []
            else:
                values |= {
                    "status": "missed",
                    "closed_at": row["closes_at"],
                    "status_reason": "window closed unanswered",
                    "reminders_sent": 2,
                }
                for number in (1, 2):
                    at = opened + dt.timedelta(hours=72 * number)
                    key = f"checkpoint:{cp_id}:reminder:{number}"
                    self._outbound(patient, cp_id, key, "reminder", at, True)
                if sms and rng.random() < 0.4:  # started, then stopped answering
                    answered = sms[: rng.randint(1, len(sms))]
                    if rng.random() >= self.answer_share:
                        answered = []
        else:
            # In its window, sent: part answered, a reminder due later (never before as_of).
            current = rng.randint(0, max(len(sms) - 1, 0))
            values |= {
                "status": "open",
                "current_index": current,
                "next_reminder_at": self.as_of + dt.timedelta(hours=rng.uniform(2, 70)),
            }
            answered = sms[:current] if rng.random() < self.answer_share else []
        checkpoints.add(**values)
        if answered:
            self._answers(answered, cp_id=cp_id, opened=opened, patient=patient, baseline=baseline)
            self._maybe_flag(plan, patient, enrollment, cp_id, opened, row)
            if values.get("status") == "completed":
                self._event(
                    patient,
                    enrollment["id"],
                    "check_completed",
                    f"{row['label']} completed",
                    values["completed_at"],
                    {"checkpoint": cp_id},
                )

    # -- messages, answers, scores ----------------------------------------------------------------

    def counts(self) -> dict:
        return {model._meta.db_table: copier.written for model, copier in self.copiers.items()}


# The zone module is imported for its side effect of failing early on a missing tz database.
zoneinfo.ZoneInfo(ZONES[0][0])
