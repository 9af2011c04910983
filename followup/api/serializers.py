from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from patients.models import Channel, Clinic, ClinicMembership, Language, Role
from patients.validators import normalise_phone, validate_time_zone

from ..diaries.anaesthetics import ANAESTHETICS
from ..diaries.enrolment import diary_fields_error
from ..models import Answer, Checkpoint, Enrollment, Score
from ..models.enrollments import Side
from ..protocols import protocol_current
from ..services.enrollments import enrollment_create


class PatientInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    mrn = serializers.CharField(max_length=64)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(max_length=64, default="America/Chicago")
    language = serializers.ChoiceField(choices=Language.choices, default=Language.ENGLISH)
    preferred_channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.SMS)

    def validate_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return normalise_phone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)

    def validate_time_zone(self, value: str) -> str:
        try:
            validate_time_zone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages)
        return value

    def validate_date_of_birth(self, value: dt.date) -> dt.date:
        if value > dt.date.today() or value.year < 1900:
            raise serializers.ValidationError("Enter a real date of birth.")
        return value

    def validate(self, attrs: dict) -> dict:
        channel = attrs.get("preferred_channel")
        if channel == Channel.SMS and not attrs.get("phone"):
            raise serializers.ValidationError(
                {"phone": ["A phone number is required when the preferred channel is sms."]}
            )
        if channel == Channel.EMAIL and not attrs.get("email"):
            raise serializers.ValidationError(
                {"email": ["An email address is required when the preferred channel is email."]}
            )
        return attrs


class BaselineSerializer(serializers.Serializer):
    pain = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    odi = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, required=False, allow_null=True
    )
    # Optional baselines of the measures reported apart (docs/instruments.md).
    ndi = serializers.DecimalField(
        max_digits=4, decimal_places=1, min_value=0, max_value=100, required=False, allow_null=True
    )
    back_pain = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    leg_pain = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)


class DiaryInputSerializer(serializers.Serializer):
    """Optional relief diary (docs/instruments.md "Diaries"): a diagnostic block's time and
    anaesthetic, or an SCS trial's length in days. A block time without an offset is read in the
    patient's time zone."""

    block_at = serializers.DateTimeField(required=False, allow_null=True, default_timezone=dt.UTC)
    anaesthetic = serializers.ChoiceField(
        choices=sorted(ANAESTHETICS), required=False, allow_blank=True, default=""
    )
    trial_days = serializers.IntegerField(
        min_value=3, max_value=10, required=False, allow_null=True
    )

    def to_internal_value(self, data):
        # Remember whether the block time carried an offset: without one it is the patient's
        # local clock time, which the enclosing serializer knows (default_timezone is only a carrier).
        naive = False
        raw = data.get("block_at") if hasattr(data, "get") else None
        if isinstance(raw, str) and raw.strip():
            from django.utils.dateparse import parse_datetime

            try:
                parsed = parse_datetime(raw.strip())
            except ValueError:
                parsed = None
            naive = parsed is not None and parsed.tzinfo is None
        value = super().to_internal_value(data)
        value["naive_block_at"] = naive
        return value


class EnrollmentCreateSerializer(serializers.Serializer):
    patient = PatientInputSerializer()
    procedure = serializers.CharField(max_length=20)
    performed_on = serializers.DateField()
    clinic = serializers.SlugField()
    physician = serializers.CharField(max_length=150)
    baseline = BaselineSerializer(required=False)
    levels = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    side = serializers.ChoiceField(
        choices=Side.choices, required=False, allow_blank=True, default=""
    )
    external_id = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    diary = DiaryInputSerializer(required=False)

    def validate_procedure(self, value: str) -> str:
        code = value.strip().upper()
        if protocol_current(code=code) is None:
            from ..protocol_data import PROTOCOLS

            raise serializers.ValidationError(
                f"Unknown procedure {value!r}. Known codes: {', '.join(sorted(PROTOCOLS))}."
            )
        return code

    def validate_clinic(self, value: str) -> Clinic:
        # The caller passes the clinics it may enroll into. Any other slug, existing or not, is
        # the same 404, so a token cannot learn which clinics exist.
        clinics = self.context.get("clinics", Clinic.objects.all())
        clinic = clinics.filter(slug=value).first()
        if clinic is None:
            raise NotFound("Clinic not found.")
        return clinic

    def validate(self, attrs: dict) -> dict:
        clinic: Clinic = attrs["clinic"]
        tz = zoneinfo.ZoneInfo(clinic.time_zone)
        today = dt.datetime.now(tz).date()
        if attrs["performed_on"] > today:
            raise serializers.ValidationError(
                {"performed_on": ["The procedure date cannot be in the future."]}
            )
        if attrs["performed_on"] < today - dt.timedelta(days=730):
            raise serializers.ValidationError(
                {"performed_on": ["The procedure date is more than two years ago."]}
            )
        membership = (
            ClinicMembership.objects.filter(
                clinic=clinic,
                user__username=attrs["physician"],
                role=Role.PHYSICIAN,
                is_active=True,
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise serializers.ValidationError(
                {"physician": [f"No physician {attrs['physician']!r} in clinic {clinic.slug!r}."]}
            )
        attrs["physician"] = membership.user
        if attrs.get("diary"):
            attrs["diary"] = _diary_validated(attrs)
        return attrs

    def enroll(self, *, created_by) -> Enrollment:
        """``enrollment_create`` with the validated data (raises ``EnrollmentConflict``)."""
        data = self.validated_data
        baseline = data.get("baseline") or {}
        return enrollment_create(
            clinic=data["clinic"],
            physician=data["physician"],
            patient_data=dict(data["patient"]),
            procedure=data["procedure"],
            performed_on=data["performed_on"],
            baseline_pain=baseline.get("pain"),
            baseline_odi=baseline.get("odi"),
            baseline_ndi=baseline.get("ndi"),
            baseline_back_pain=baseline.get("back_pain"),
            baseline_leg_pain=baseline.get("leg_pain"),
            levels=data.get("levels", ""),
            side=data.get("side", ""),
            external_id=data.get("external_id", ""),
            created_by=created_by,
            diary=data.get("diary") or None,
        )


def _diary_validated(attrs: dict) -> dict:
    """The diary fields made ready for ``diary_schedule_at_enrolment`` (or a ValidationError)."""
    diary = dict(attrs["diary"])
    block_at, naive = diary.get("block_at"), diary.pop("naive_block_at", False)
    if block_at is not None and naive:
        zone = zoneinfo.ZoneInfo(attrs["patient"].get("time_zone") or "America/Chicago")
        block_at = block_at.replace(tzinfo=None).replace(tzinfo=zone)
    errors = diary_fields_error(
        procedure=attrs["procedure"],
        block_at=block_at,
        anaesthetic=diary.get("anaesthetic", ""),
        trial_days=diary.get("trial_days"),
    )
    if block_at is not None and block_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5):
        errors.setdefault("diary.block_at", "The block time cannot be in the future.")
    if errors:
        raise serializers.ValidationError({k: [v] for k, v in errors.items()})
    return {
        "block_at": block_at,
        "anaesthetic": diary.get("anaesthetic", ""),
        "trial_days": diary.get("trial_days"),
    }


class CheckpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = Checkpoint
        fields = [
            "id",
            "key",
            "label",
            "target_date",
            "window_opens",
            "window_closes",
            "send_at",
            "status",
            "status_reason",
            "opened_at",
            "completed_at",
        ]


class AnswerSerializer(serializers.ModelSerializer):
    """One answer: the patient's raw text beside the parsed value (null when unanswered)."""

    checkpoint = serializers.PrimaryKeyRelatedField(read_only=True)
    checkpoint_key = serializers.CharField(source="checkpoint.key", read_only=True)

    class Meta:
        model = Answer
        fields = [
            "checkpoint",
            "checkpoint_key",
            "question_code",
            "instrument",
            "raw_text",
            "value",
            "status",
            "attempts",
            "answered_at",
        ]


class ScoreSerializer(serializers.ModelSerializer):
    checkpoint = serializers.PrimaryKeyRelatedField(read_only=True)
    checkpoint_key = serializers.CharField(source="checkpoint.key", read_only=True)
    # A number, not DRF's default decimal string: API clients chart these.
    value = serializers.FloatField(read_only=True)

    class Meta:
        model = Score
        fields = ["checkpoint", "checkpoint_key", "kind", "value", "details", "computed_at"]


class EnrollmentSerializer(serializers.ModelSerializer):
    clinic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    physician = serializers.SlugRelatedField(slug_field="username", read_only=True)
    protocol_version = serializers.IntegerField(source="protocol.version", read_only=True)
    patient = serializers.SerializerMethodField()
    baseline = serializers.SerializerMethodField()
    checkpoints = CheckpointSerializer(many=True, read_only=True)
    answers = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "patient",
            "procedure",
            "protocol_version",
            "performed_on",
            "levels",
            "side",
            "clinic",
            "physician",
            "status",
            "baseline",
            "created_at",
            "checkpoints",
            "answers",
            "scores",
        ]

    def get_patient(self, obj: Enrollment) -> dict:
        return {"id": obj.patient_id, "mrn": obj.patient.mrn}

    def get_baseline(self, obj: Enrollment) -> dict:
        return {
            "pain": obj.baseline_pain,
            "odi": obj.baseline_odi,
            "ndi": obj.baseline_ndi,
            "back_pain": obj.baseline_back_pain,
            "leg_pain": obj.baseline_leg_pain,
        }

    # Answers and scores come from the checkpoints the view prefetched (enrollment_api_queryset):
    # a page of 1,000 enrollments costs the same five queries as a page of one.
    def get_answers(self, obj: Enrollment) -> list[dict]:
        answers = [a for cp in obj.checkpoints.all() for a in cp.answers.all()]
        answers.sort(key=lambda a: (a.answered_at, a.pk))
        return AnswerSerializer(answers, many=True).data

    def get_scores(self, obj: Enrollment) -> list[dict]:
        scores = [s for cp in obj.checkpoints.all() for s in cp.scores.all()]
        scores.sort(key=lambda s: (s.computed_at, s.pk))
        return ScoreSerializer(scores, many=True).data


def enrollment_api_queryset(enrollments):
    """What EnrollmentSerializer reads, fetched up front in a fixed number of queries."""
    return enrollments.select_related(
        "patient", "clinic", "physician", "protocol"
    ).prefetch_related(
        Prefetch(
            "checkpoints",
            queryset=Checkpoint.objects.prefetch_related(
                Prefetch("answers", queryset=Answer.objects.all()),
                Prefetch("scores", queryset=Score.objects.all()),
            ),
        )
    )


User = get_user_model()
