import pytest
from django.core.management import call_command

from followup.models import Checkpoint, CheckpointStatus, Enrollment, Escalation, Score
from patients.models import Clinic, ClinicMembership, Patient, Role

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_clinic_staff_and_patients_and_is_idempotent(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-123")
    call_command("seed_demo", "--patients", "12")
    clinic = Clinic.objects.get(slug="demo-clinic")
    roles = dict(
        ClinicMembership.objects.filter(clinic=clinic).values_list("user__username", "role")
    )
    assert roles["nurse"] == Role.TRIAGE_NURSE and roles["physician"] == Role.PHYSICIAN
    assert roles["clinicadmin"] == Role.CLINIC_ADMIN
    assert Enrollment.objects.filter(clinic=clinic).count() == 12
    assert len(set(Enrollment.objects.values_list("procedure", flat=True))) == 10
    # Realistic histories: answered checks with scores, a missed one, an opted-out patient, and
    # open EMERGENCY and URGENT escalations on the triage queue.
    assert Checkpoint.objects.filter(status=CheckpointStatus.COMPLETED).count() >= 5
    assert Score.objects.filter(kind="NRS_NOW").count() >= 5
    assert Score.objects.filter(kind="ODI").exists()
    assert Checkpoint.objects.filter(status=CheckpointStatus.MISSED).exists()
    assert Patient.objects.filter(clinic=clinic, opted_out_at__isnull=False).count() == 1
    open_tiers = set(Escalation.objects.filter(status="open").values_list("tier", flat=True))
    assert {"EMERGENCY", "URGENT"} <= open_tiers
    escalations = Escalation.objects.count()
    scores = Score.objects.count()
    call_command("seed_demo", "--patients", "12")
    assert Enrollment.objects.filter(clinic=clinic).count() == 12
    assert Escalation.objects.count() == escalations and Score.objects.count() == scores
    call_command("seed_demo", "--patients", "15")
    assert Enrollment.objects.filter(clinic=clinic).count() == 15
    from django.contrib.auth import authenticate

    assert authenticate(username="nurse", password="demo-pass-123") is not None
