"""Clinics, their clinicians and patients, with consent and opt-out state."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from .validators import validate_e164, validate_messaging_service_sid, validate_time_zone


class Clinic(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, validators=[validate_e164])
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
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
    # The clinic's own sender (patients.senders): blank means the global TWILIO_FROM_NUMBER /
    # TWILIO_MESSAGING_SERVICE_SID. Inbound texts sent to sms_from_number are routed to this
    # clinic's patients only (followup.conversation.clinic_routing).
    sms_from_number = models.CharField(
        "SMS sender number", max_length=20, blank=True, validators=[validate_e164]
    )
    sms_messaging_service_sid = models.CharField(
        "Twilio messaging service SID",
        max_length=34,
        blank=True,
        validators=[validate_messaging_service_sid],
    )
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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    page_phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    page_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

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
    time_zone = models.CharField(
        max_length=64, default="America/Chicago", validators=[validate_time_zone]
    )
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    preferred_channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.SMS
    )
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
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="mrn_unique_per_clinic")
        ]
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
        return (
            bool(self.phone)
            and self.sms_consent
            and not self.opted_out_at
            and not self.phone_invalid_at
        )

    @property
    def can_email(self) -> bool:
        return bool(self.email) and not self.email_invalid_at


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    ACKNOWLEDGE = "acknowledge", "Acknowledged"
    ASSIGN = "assign", "Assigned"
    NOTE = "note", "Added a note"
    RESOLVE = "resolve", "Resolved"
    CALL = "call", "Recorded a call"
    EXPORT = "export", "Exported"
    API = "api", "API call"
    DENIED = "denied", "Denied"
    LOGIN = "login", "Signed in"
    LOGIN_FAILED = "login_failed", "Sign-in failed"
    LOGOUT = "logout", "Signed out"
    TWO_FACTOR = "two_factor", "Two-factor change"
    CHANGE = "change", "Changed"
    PASSWORD_RESET = "password_reset", "Password reset"


class AuditEventQuerySet(models.QuerySet):
    """The audit log can be read and appended to; nothing in the app may rewrite it."""

    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")

    # bulk_update goes through update(); bulk_create is an append and stays allowed.


class AuditEvent(models.Model):
    """Who saw or did what to which record, when, and from where. Append-only.

    References are plain ids (no database constraint, no cascade): deleting a user, patient or
    clinic must never delete or rewrite the record of what was done to it. ``username`` keeps the
    actor readable after their account is gone. ``detail`` holds ids and codes, never PHI.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    clinic = models.ForeignKey(
        Clinic,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    patient = models.ForeignKey(
        Patient,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(max_length=300, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        permissions = [("export_auditevent", "Can export the audit log")]
        indexes = [
            models.Index(fields=["clinic", "at"], name="audit_clinic_at_idx"),
            models.Index(fields=["patient", "at"], name="audit_patient_at_idx"),
            models.Index(fields=["user", "at"], name="audit_user_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username or '-'} {self.action} {self.object_type}#{self.object_id} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
