"""Factories for the people and records the tests talk about."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from patients.models import Clinic, ClinicMembership, Patient, Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pw-for-tests-1")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"clinic-{n}")
    name = factory.Sequence(lambda n: f"Spine Clinic {n}")
    phone = "+15125550100"
    time_zone = "America/Chicago"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClinicMembership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.TRIAGE_NURSE
    page_phone = factory.Sequence(lambda n: f"+1512555{2000 + n:04d}")
    page_email = factory.LazyAttribute(lambda m: f"{m.user.username}@clinic.example")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    clinic = factory.SubFactory(ClinicFactory)
    first_name = "Ana"
    last_name = "Ruiz"
    date_of_birth = dt.date(1961, 4, 2)
    mrn = factory.Sequence(lambda n: f"MRN-{n:05d}")
    phone = factory.Sequence(lambda n: f"+1512555{3000 + n:04d}")
    email = ""
    time_zone = "America/Chicago"
    language = "en"
    preferred_channel = "sms"


def enroll(*, patient: Patient, physician, procedure: str = "ESI", performed_on: dt.date, now=None):
    """Enroll an existing patient through the real service (so checkpoints are real)."""
    from followup.services.enrollments import enrollment_create

    return enrollment_create(
        clinic=patient.clinic,
        physician=physician,
        patient_data={"mrn": patient.mrn},
        procedure=procedure,
        performed_on=performed_on,
        now=now,
    )
