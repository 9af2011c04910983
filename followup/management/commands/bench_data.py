"""Fill an empty database with a synthetic follow-up network for the benchmarks (``make bench``).

``manage.py bench_data 100000 --due 10000`` makes 100,000 active enrollments (one patient each,
spread over the past year in five clinics) with their checkpoints in every state a real network
has: history (completed, missed), open windows, future checks, and exactly ``--due`` checks that
fall due at ``as_of`` (the burst one sweep must open). ``--answers`` adds answered surveys with
their inbound texts, replies, scores, flags, escalations, pages and timeline events.

Rows are written with PostgreSQL ``COPY`` in chunks (ids assigned here, sequences moved after),
so 100,000 enrollments take a minute or two, not an hour of ``enrollment_create``. The schedule of
every enrollment still comes from ``followup.scheduling.checkpoint_schedule`` and the protocols in
the database, so the rows look exactly like the application's own. The last line on stdout is a
JSON summary (counts, ``as_of``, ``idle_as_of``, the staff username) for the benchmark driver.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from followup.models import (
    Answer,
    Checkpoint,
    Enrollment,
    Escalation,
    Flag,
    OnCallShift,
    Page,
    Protocol,
    Score,
    TimelineEvent,
)
from followup.odi import ODI_SECTION_KEYS, odi_score
from followup.questions import QUESTIONS
from followup.scheduling import checkpoint_schedule, local_datetime
from notifications.inbound import reply_key
from notifications.models import InboundMessage, OutboundMessage
from patients.models import Clinic, ClinicMembership, Patient, Role

CHUNK = 2000
# Zones of the patients, west to east: the due burst is at 10:00 local everywhere, so ``as_of``
# is a minute after 10:00 in the westernmost zone and every due check has come due by then.
ZONES = [
    ("America/Los_Angeles", 10),
    ("America/Denver", 10),
    ("America/Chicago", 50),
    ("America/New_York", 30),
]
PROCEDURES = [
    ("ESI", 34),
    ("FACET_SI", 18),
    ("NERVE_BLOCK", 10),
    ("SCS", 8),
    ("VA", 8),
    ("DISC", 6),
    ("LYSIS", 5),
    ("ITDD", 4),
    ("BIOPSY", 4),
    ("TUMOR_ABLATION", 3),
]
COMPLETED_SHARE = 0.76
# Share of the answerable questions that end up answered, given the shares above.
ANSWERED_SHARE = COMPLETED_SHARE + (1 - COMPLETED_SHARE) * 0.4 * 0.5
DUE_KEYS = [("d14", 60), ("m3", 20), ("m6", 12), ("m12", 8)]
FIRST = ["Ana", "James", "Maria", "Robert", "Linda", "Jose", "Patricia", "Michael", "Carmen"]
LAST = ["Ruiz", "Smith", "Garcia", "Johnson", "Martinez", "Brown", "Lopez", "Davis", "Wilson"]
BENCH_USER = "bench-admin"
BENCH_PASSWORD = "bench-password-not-secret"


def _weighted(rng: random.Random, pairs: list[tuple]) -> object:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class Progress:
    """A one-line progress bar on stderr (stdout stays for the JSON summary)."""

    def __init__(self, total: int, label: str, stream=None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0

    def advance(self, count: int) -> None:
        self.done += count
        share = min(self.done / self.total, 1.0)
        bar = "#" * int(share * 30)
        elapsed = time.monotonic() - self.started
        self.stream.write(
            f"\r{self.label} [{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,} {elapsed:5.0f}s"
        )
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


class Copier:
    """Rows of one model, written with COPY. Values by field name; defaults filled in."""

    def __init__(self, model: type[models.Model], start_id: int) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.names = [f.attname for f in self.fields]
        self.json = {f.attname for f in self.fields if isinstance(f, models.JSONField)}
        self.defaults = {}
        for field in self.fields:
            if field.has_default() and not callable(field.default):
                self.defaults[field.attname] = field.get_default()
            elif field.has_default() and field.default in (list, dict):
                self.defaults[field.attname] = field.default()
            elif field.null:
                self.defaults[field.attname] = None
            elif isinstance(field, (models.CharField, models.TextField)) and field.blank:
                self.defaults[field.attname] = ""
        self.rows: list[tuple] = []
        self.next_id = start_id
        self.written = 0

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, **values) -> int:
        if "id" not in values:
            values["id"] = self.new_id()
        row = []
        for name in self.names:
            if name in values:
                value = values[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:
                raise CommandError(f"{self.model.__name__}.{name} needs a value")
            if name in self.json and value is not None:
                value = json.dumps(value)
            row.append(value)
        self.rows.append(tuple(row))
        return values["id"]

    def flush(self, cursor) -> None:
        if not self.rows:
            return
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in self.rows:
                copy.write_row(row)
        self.written += len(self.rows)
        self.rows = []

    def fix_sequence(self, cursor) -> None:
        table = self.model._meta.db_table
        quoted = connection.ops.quote_name(table)  # the model's own table name
        sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST((SELECT max(id) FROM {quoted}), 1))"  # noqa: S608, E501
        cursor.execute(sql, [table])


def _max_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def _answer_value(code: str, rng: random.Random, baseline: int | None):
    kind = QUESTIONS[code]["type"]
    if kind == "yes_no":
        return False, "no"
    if kind == "nrs":
        base = baseline if baseline is not None else 6
        value = max(0, min(10, base - rng.randint(0, 5) + rng.randint(0, 1)))
        return value, str(value)
    if kind == "choice":
        option = rng.choice(QUESTIONS[code]["options"])
        return option["value"], option["value"].replace("_", " ")
    if kind == "web_form":
        values = {key: rng.randint(0, 3) for key in ODI_SECTION_KEYS}
        return values, "(web form)"
    return None, "no"


class Command(BaseCommand):
    help = (
        "Fill an empty PostgreSQL database with N synthetic active enrollments (plus history, "
        "due checks, answers) for the benchmarks. Fast: COPY in chunks, progress on stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("enrollments", type=int, help="active enrollments to create")
        parser.add_argument(
            "--completed",
            type=int,
            default=0,
            help="extra enrollments whose follow-up ended (all checks closed, 13-25 months ago)",
        )
        parser.add_argument(
            "--due", type=int, default=0, help="checks that fall due at --as-of (the sweep burst)"
        )
        parser.add_argument(
            "--answers",
            type=int,
            default=0,
            help="about this many answers (with inbound texts, replies, scores, flags); 0 = none",
        )
        parser.add_argument("--clinics", type=int, default=5)
        parser.add_argument(
            "--date",
            help="local date of the due burst (YYYY-MM-DD); default: yesterday (UTC), so every "
            "generated time is in the past",
        )
        parser.add_argument(
            "--open-escalations", type=int, default=0, help="unresolved escalations (the queue)"
        )
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_data writes with COPY: it needs PostgreSQL")
        if options["enrollments"] < 1:
            raise CommandError("enrollments must be at least 1")
        if options["due"] > options["enrollments"]:
            raise CommandError("--due cannot exceed the number of active enrollments")
        if Enrollment.objects.exists():
            raise CommandError("the database already has enrollments: use an empty one")
        protocols = {p.code: p for p in Protocol.objects.filter(is_current=True)}
        missing = [code for code, _ in PROCEDURES if code not in protocols]
        if missing:
            raise CommandError(f"protocols missing (run migrate first): {missing}")
        day = (
            dt.date.fromisoformat(options["date"])
            if options["date"]
            else (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()
        )
        as_of = local_datetime(day, dt.time(settings.FOLLOWUP_SEND_HOUR, 1), ZONES[0][0])
        idle_as_of = local_datetime(day, dt.time(settings.FOLLOWUP_SEND_HOUR, 0), ZONES[-1][0])
        idle_as_of -= dt.timedelta(minutes=1)
        started = time.monotonic()
        generator = _Generator(
            rng=random.Random(options["seed"]),
            protocols=protocols,
            day=day,
            as_of=as_of,
            answers_target=options["answers"],
        )
        with transaction.atomic():
            generator.staff(options["clinics"])
        generator.run(
            active=options["enrollments"],
            completed=options["completed"],
            due=options["due"],
            open_escalations=options["open_escalations"],
        )
        with connection.cursor() as cursor:
            # As an old database is: statistics, visibility map, hint bits set. Otherwise the
            # first queries over the fresh rows pay for that (and autovacuum runs beside them).
            cursor.execute("VACUUM ANALYZE")
        summary = {
            **generator.counts(),
            "as_of": as_of.isoformat(),
            "idle_as_of": idle_as_of.isoformat(),
            "user": BENCH_USER,
            "password": BENCH_PASSWORD,
            "seconds": round(time.monotonic() - started, 1),
        }
        self.stdout.write(json.dumps(summary, sort_keys=True))


class _Generator:
    def __init__(self, *, rng, protocols, day, as_of, answers_target) -> None:
        self.rng = rng
        self.protocols = protocols
        self.day = day
        self.as_of = as_of
        self.answers_target = answers_target
        self.password = make_password(BENCH_PASSWORD)
        self.copiers = {
            model: Copier(model, _max_id(model))
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
        procedure = _weighted(rng, PROCEDURES)
        protocol = self.protocols[procedure]
        due_key = None
        if due:
            keys = {cp["key"]: cp["target_day"] for cp in protocol.checkpoints}
            due_key = _weighted(rng, [(k, w) for k, w in DUE_KEYS if k in keys])
            performed = self.day - dt.timedelta(days=keys[due_key])
        elif completed:
            performed = self.day - dt.timedelta(days=rng.randint(400, 760))
        else:
            performed = self.day - dt.timedelta(days=rng.randint(0, 370))
        return {
            "procedure": procedure,
            "protocol": protocol,
            "performed": performed,
            "zone": _weighted(rng, ZONES),
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
            value, raw = _answer_value(code, rng, baseline)
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
                instrument=QUESTIONS[code]["type"],
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

    def counts(self) -> dict:
        return {model._meta.db_table: copier.written for model, copier in self.copiers.items()}


# The zone module is imported for its side effect of failing early on a missing tz database.
zoneinfo.ZoneInfo(ZONES[0][0])
