"""Per-clinic interface settings, the procedure-code table and the HL7v2 message store."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WriteBackChannel(models.TextChoices):
    FHIR = "fhir", "FHIR transaction Bundle (HTTP POST)"
    HL7 = "hl7", "HL7v2 ORU^R01 (MLLP)"


class ClinicInterface(models.Model):
    """How one clinic's EHR talks to us: the HL7 sending facility that identifies its feed."""

    clinic = models.OneToOneField(
        "patients.Clinic", on_delete=models.CASCADE, related_name="interface"
    )
    sending_facility = models.CharField(
        max_length=100,
        unique=True,
        help_text="MSH-4 of the clinic's interface engine (e.g. NORTHSIDE)",
    )
    default_physician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Used when the message names no physician of the clinic (AIP-3 / OBR-16)",
    )

    writeback_enabled = models.BooleanField(
        default=False, help_text="Write completed checks and red flags back to the EHR"
    )
    writeback_fhir_url = models.URLField(
        blank=True,
        help_text="FHIR base URL receiving transaction Bundles (QuestionnaireResponse, "
        "Observation) and Flags",
    )
    writeback_hl7_host = models.CharField(
        max_length=255,
        blank=True,
        help_text="Host of the EHR's MLLP listener receiving ORU^R01 results (empty: no HL7)",
    )
    writeback_hl7_port = models.PositiveIntegerField(
        null=True, blank=True, help_text="Port of that MLLP listener"
    )
    writeback_since = models.DateTimeField(
        null=True, blank=True, help_text="Only results from this moment on are written back"
    )

    def __str__(self) -> str:
        return f"{self.sending_facility} -> {self.clinic}"

    def save(self, *args, **kwargs):
        # Turning write-back on does not replay the clinic's whole history into the chart.
        if self.writeback_enabled and self.writeback_since is None:
            self.writeback_since = timezone.now()
        super().save(*args, **kwargs)

    def writeback_channels(self) -> list[str]:
        """The write-back channels configured (none when write-back is off)."""
        if not self.writeback_enabled:
            return []
        channels = []
        if self.writeback_fhir_url:
            channels.append(WriteBackChannel.FHIR)
        if self.writeback_hl7_host and self.writeback_hl7_port:
            channels.append(WriteBackChannel.HL7)
        return channels


class ProcedureCodeMapping(models.Model):
    """One of the clinic's procedure codes (CPT, an EAP/order code) and our protocol for it."""

    clinic = models.ForeignKey(
        "patients.Clinic", on_delete=models.CASCADE, related_name="procedure_codes"
    )
    code = models.CharField(max_length=40, help_text="AIS-3.1 / OBR-4.1 as the EHR sends it")
    coding_system = models.CharField(max_length=40, blank=True, help_text="e.g. CPT (information)")
    procedure = models.CharField(max_length=20, help_text="Our protocol code, e.g. VA, ESI")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="one_mapping_per_clinic_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} -> {self.procedure}"


class Hl7Status(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    ERROR = "error", "Application error (AE)"
    REJECTED = "rejected", "Rejected (AR)"


class Hl7Message(models.Model):
    """An inbound HL7v2 message, stored before it is processed (DESIGN rule 3 for the EHR feed).

    ``(sending_facility, control_id)`` is unique: a resend by the interface engine (its ACK got
    lost) stores nothing and is answered with the ACK already given. A message that cannot be
    parsed has no control id (blank, which the unique constraint leaves out) and is kept, rejected.
    """

    received_at = models.DateTimeField(default=timezone.now)
    sending_facility = models.CharField(max_length=100, blank=True)
    control_id = models.CharField(max_length=100, blank=True)
    message_type = models.CharField(max_length=20, blank=True)
    raw = models.TextField()
    status = models.CharField(max_length=10, choices=Hl7Status.choices, default=Hl7Status.RECEIVED)
    ack_code = models.CharField(max_length=2, blank=True)
    ack_text = models.CharField(max_length=200, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    clinic = models.ForeignKey(
        "patients.Clinic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrollment = models.ForeignKey(
        "followup.Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    placer_id = models.CharField(
        max_length=100, blank=True, help_text="SCH-1 / ORC-2: links a cancel to its booking"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sending_facility", "control_id"],
                condition=~Q(control_id=""),
                name="hl7_message_once",
            )
        ]
        indexes = [
            models.Index(fields=["sending_facility", "placer_id"], name="hl7_placer_idx"),
        ]

    def __str__(self) -> str:
        return f"HL7 {self.message_type} {self.control_id or '(unparsed)'}"


class WriteBackStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class WriteBack(models.Model):
    """One result to write back to the EHR (the outbox pattern, as notifications.OutboundMessage).

    ``key`` is unique (``check/<id>`` or ``flag/<id>`` for FHIR, ``hl7/check/<id>`` /
    ``hl7/flag/<id>`` for ORU^R01): a result is queued once per channel however often it is seen.
    The ORU's message control id (MSH-10) is ``WB<row id>``, so a resend is recognisable. A row is claimed ``pending -> sending`` with a conditional UPDATE; temporary
    failures go back to ``pending`` with a doubled delay; after ``OUTBOX_MAX_ATTEMPTS`` it is
    ``failed`` and shown in the admin. The FHIR requests are conditional creates
    (``ifNoneExist`` on our identifier), so a resend after a lost answer creates nothing twice.
    """

    key = models.CharField(max_length=60, unique=True)
    channel = models.CharField(
        max_length=4, choices=WriteBackChannel.choices, default=WriteBackChannel.FHIR
    )
    clinic = models.ForeignKey("patients.Clinic", on_delete=models.CASCADE, related_name="+")
    checkpoint = models.ForeignKey(
        "followup.Checkpoint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    flag = models.ForeignKey(
        "followup.Flag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=WriteBackStatus.choices, default=WriteBackStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="writeback_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"WriteBack {self.key} {self.status}"


class SsoIdentity(models.Model):
    """The identity provider's account behind a staff user signed in by OpenID Connect."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identity"
    )
    issuer = models.CharField(max_length=200)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_idp_subject")
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.subject}"


class FhirClient(models.Model):
    """An integration engine calling /fhir/ with OAuth2 client credentials.

    It acts as ``user``, a service account whose active clinic memberships are the clinics it may
    read and enroll in (the same scoping as a token of that user). Only a hash of the secret is
    stored; the secret is shown once by ``manage.py fhir_client_create``.
    """

    name = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fhir_clients"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"FHIR client {self.name}"
