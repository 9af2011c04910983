"""Create (or top up) the demo clinic, its staff and patients in follow-up. Idempotent."""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo.history import escalations_seed, history_fill
from followup.models import Enrollment
from followup.protocol_data import PROTOCOLS
from followup.services.enrollments import EnrollmentConflict, enrollment_create
from patients.models import Clinic, ClinicMembership, Role
from patients.permissions import user_sync_groups
from patients.services import patient_opt_out

OPTED_OUT_MRN = "DEMO-0005"

STAFF = [
    # username, first, last, role, page phone
    ("nurse", "Nora", "Nightingale", Role.TRIAGE_NURSE, "+15125550111"),
    ("physician", "Paul", "Harrow", Role.PHYSICIAN, "+15125550112"),
    ("backup", "Beatriz", "Ocampo", Role.PHYSICIAN, "+15125550113"),
    ("clinicadmin", "Ada", "Minister", Role.CLINIC_ADMIN, "+15125550114"),
]

FIRST = [
    "Ana",
    "James",
    "Maria",
    "Robert",
    "Linda",
    "Jose",
    "Patricia",
    "Michael",
    "Carmen",
    "David",
    "Elena",
    "William",
    "Rosa",
    "Thomas",
    "Lucia",
    "Charles",
    "Sofia",
    "Daniel",
    "Isabel",
    "Mark",
]
LAST = [
    "Ruiz",
    "Smith",
    "Garcia",
    "Johnson",
    "Martinez",
    "Brown",
    "Lopez",
    "Davis",
    "Hernandez",
    "Miller",
    "Gonzalez",
    "Wilson",
    "Perez",
    "Moore",
    "Sanchez",
    "Taylor",
    "Ramirez",
    "Anderson",
    "Torres",
    "Clark",
]
ZONES = [
    "America/Chicago",
    "America/New_York",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
]


class Command(BaseCommand):
    help = "Create the demo clinic 'demo-clinic' with staff (nurse, physician, clinicadmin) and patients."

    def add_arguments(self, parser):
        parser.add_argument(
            "--patients", type=int, default=20, help="patients in follow-up (default 20)"
        )
        parser.add_argument(
            "--seed", type=int, default=7, help="random seed for reproducible histories"
        )

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or ""
        generated = not password
        if generated:
            password = secrets.token_urlsafe(9)
        with transaction.atomic():
            clinic, _ = Clinic.objects.get_or_create(
                slug="demo-clinic",
                defaults={
                    "name": "Demo Spine Clinic",
                    "phone": "+15125550100",
                    "time_zone": "America/Chicago",
                },
            )
            users = self._staff(clinic, password)
            self._on_call(clinic, users)
            created = self._patients(
                clinic, users["physician"], options["patients"], options["seed"]
            )
            escalations_seed(clinic=clinic)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo-clinic ready: {Enrollment.objects.filter(clinic=clinic).count()} enrollments "
                f"({created} new)"
            )
        )
        if generated:
            self.stdout.write(
                f"Staff logins (password for new users): {', '.join(u for u, *_ in STAFF)} / {password}"
            )
        else:
            self.stdout.write(f"Staff logins: {', '.join(u for u, *_ in STAFF)} / $DEMO_PASSWORD")

    def _staff(self, clinic: Clinic, password: str) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, role, phone in STAFF:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@demo.invalid",
                },
            )
            if created:
                user.set_password(password)
            # Clinic admins configure rosters, chains and protocols in the admin site.
            user.is_staff = role == Role.CLINIC_ADMIN
            user.save()
            ClinicMembership.objects.update_or_create(
                user=user,
                clinic=clinic,
                defaults={
                    "role": role,
                    "page_phone": phone,
                    "page_email": f"{username}@demo.invalid",
                },
            )
            user_sync_groups(user=user)  # the role's permissions, as a login would give them
            users[username] = user
        return users

    def _on_call(self, clinic: Clinic, users: dict) -> None:
        """On-call roster (physician, backup, clinicadmin as lead) and the three chains."""
        from followup.models import EscalationChain, OnCallShift
        from followup.services.escalations import DEFAULT_CHAINS

        now = timezone.now()
        roster = (("physician", "primary"), ("backup", "backup"), ("clinicadmin", "lead"))
        for username, role in roster:
            covered = OnCallShift.objects.filter(
                clinic=clinic, user=users[username], role=role, starts_at__lte=now, ends_at__gt=now
            ).exists()
            if not covered:
                OnCallShift.objects.create(
                    clinic=clinic,
                    user=users[username],
                    role=role,
                    starts_at=now - dt.timedelta(days=30),
                    ends_at=now + dt.timedelta(days=365),
                )
        for tier, steps in DEFAULT_CHAINS.items():
            EscalationChain.objects.get_or_create(
                clinic=clinic, tier=tier, defaults={"steps": steps}
            )

    def _patients(self, clinic: Clinic, physician, count: int, seed: int) -> int:
        rng = random.Random(seed)
        codes = sorted(PROTOCOLS)
        today = timezone.localdate()
        created = 0
        for i in range(count):
            mrn = f"DEMO-{i + 1:04d}"
            first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
            spanish = i % 5 == 3
            procedure = codes[i % len(codes)]
            performed_on = today - dt.timedelta(
                days=rng.choice([1, 3, 10, 15, 30, 60, 95, 120, 185, 200, 290, 380])
            )
            improving = rng.random() < 0.7
            if Enrollment.objects.filter(patient__clinic=clinic, patient__mrn=mrn).exists():
                continue  # re-runs (even on a later day) top up, never duplicate
            try:
                enrollment = enrollment_create(
                    clinic=clinic,
                    physician=physician,
                    patient_data={
                        "mrn": mrn,
                        "first_name": first,
                        "last_name": last,
                        "date_of_birth": dt.date(1940 + (i * 3) % 45, 1 + i % 12, 1 + i % 27),
                        "phone": f"+1512555{1000 + i:04d}",
                        "email": f"patient{i + 1}@demo.invalid" if i % 3 == 0 else "",
                        "time_zone": ZONES[i % len(ZONES)],
                        "language": "es" if spanish else "en",
                        "preferred_channel": "sms",
                    },
                    procedure=procedure,
                    performed_on=performed_on,
                    baseline_pain=rng.randint(5, 9),
                    baseline_odi=rng.choice([None, 34, 42, 48, 56, 62]),
                    # As if enrolled on the day of the procedure, so past checks have a history.
                    now=dt.datetime.combine(performed_on, dt.time(18, 0), tzinfo=dt.UTC),
                )
                created += 1
            except EnrollmentConflict:
                continue
            history_fill(enrollment=enrollment, rng=rng, now=timezone.now(), improving=improving)
            if mrn == OPTED_OUT_MRN:
                patient_opt_out(patient=enrollment.patient, source="STOP (demo)")
        return created
