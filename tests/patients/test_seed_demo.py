import pytest
from django.core.management import call_command

from followup.models import Enrollment
from patients.models import Clinic, ClinicMembership, Role

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
    call_command("seed_demo", "--patients", "12")
    assert Enrollment.objects.filter(clinic=clinic).count() == 12
    call_command("seed_demo", "--patients", "15")
    assert Enrollment.objects.filter(clinic=clinic).count() == 15
    from django.contrib.auth import authenticate

    assert authenticate(username="nurse", password="demo-pass-123") is not None
