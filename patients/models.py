"""Clinics, their clinicians and patients, with consent and opt-out state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from .validators import validate_e164, validate_time_zone


class Clinic(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, validators=[validate_e164])
    time_zone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_time_zone])
    quiet_hours_start = models.TimeField(default=dt.time(21, 0))
    quiet_hours_end = models.TimeField(default=dt.time(8, 0))
    business_hours_start = models.TimeField(default=dt.time(8, 0))
    business_hours_end = models.TimeField(default=dt.time(17, 0))
    # ISO weekdays (1 = Monday) when the triage nurses work.
    business_days = models.JSONField(default=list, blank=True)
    max_unsolicited_per_day = models.PositiveSmallIntegerField(default=1)
    max_unsolicited_per_week = models.PositiveSmallIntegerField(default=3)
    emergency_instruction_en = models.CharField(max_length=300, blank=True)
    emergency_instruction_es = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.business_days:
            self.business_days = [1, 2, 3, 4, 5]
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    TRIAGE_NURSE = "triage_nurse", "Triage nurse"
    PHYSICIAN = "physician", "Physician"
    CLINIC_ADMIN = "clinic_admin", "Clinic admin"


class ClinicMembership(models.Model):
    """A clinician: a Django user with a role in one clinic, and where to page them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    page_phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    page_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")]

    def __str__(self) -> str:
        return f"{self.user.get_username()} @ {self.clinic.slug} ({self.get_role_display()})"


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    mrn = models.CharField("MRN", max_length=64)
    phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, default="America/Chicago", validators=[validate_time_zone])
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    preferred_channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SMS)
    sms_consent = models.BooleanField(default=True)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opt_out_source = models.CharField(max_length=200, blank=True)
    # Set when the carrier reports the number permanently unusable (Twilio 21211, 30006 ...).
    phone_invalid_at = models.DateTimeField(null=True, blank=True)
    phone_invalid_reason = models.CharField(max_length=200, blank=True)
    email_invalid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_per_clinic")]
        indexes = [
            models.Index(fields=["phone"], name="patient_phone_idx"),
            models.Index(fields=["clinic", "last_name", "first_name"], name="patient_name_idx"),
        ]

    def __str__(self) -> str:
        # Deliberately no name: str() ends up in logs and admin messages.
        return f"Patient #{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_opted_out(self) -> bool:
        return self.opted_out_at is not None

    @property
    def can_text(self) -> bool:
        return bool(self.phone) and self.sms_consent and not self.opted_out_at and not self.phone_invalid_at

    @property
    def can_email(self) -> bool:
        return bool(self.email) and not self.email_invalid_at

