"""``/api/v1/escalations/``: the open red flags of the token user's clinics, and owning them.

Read: list (``?status=open|acknowledged|resolved|unresolved``, ``?tier=``) and detail. Write: a
minimal ``acknowledge`` and ``resolve`` for integrations and scripts; the triage pages are the
staff's main way in. Another clinic's escalation is a 404, never a 403.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from patients.selectors import clinics_for_user

from ..models import Escalation, EscalationStatus, Outcome, Tier
from ..services.escalations import escalation_acknowledge, escalation_resolve

STATUS_FILTERS = {
    "open": [EscalationStatus.OPEN],
    "acknowledged": [EscalationStatus.ACKNOWLEDGED],
    "resolved": [EscalationStatus.RESOLVED],
    "unresolved": [EscalationStatus.OPEN, EscalationStatus.ACKNOWLEDGED],
}


class EscalationSerializer(serializers.ModelSerializer):
    enrollment = serializers.IntegerField(source="enrollment_id", allow_null=True, read_only=True)
    patient = serializers.IntegerField(source="patient_id", read_only=True)
    clinic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    created = serializers.DateTimeField(source="created_at", read_only=True)
    acknowledged = serializers.DateTimeField(source="acknowledged_at", read_only=True)
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    resolved = serializers.DateTimeField(source="resolved_at", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Escalation
        fields = [
            "id",
            "code",
            "tier",
            "kind",
            "reason",
            "status",
            "clinic",
            "patient",
            "enrollment",
            "created",
            "acknowledged",
            "acknowledged_by",
            "acknowledged_via",
            "owner",
            "resolved",
            "resolved_by",
            "outcome",
            "resolution_note",
            "current_step",
            "next_page_at",
        ]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(trim_whitespace=True, allow_blank=False, max_length=5000)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=list(STATUS_FILTERS),
                description="Filter by status",
            ),
            OpenApiParameter("tier", OpenApiTypes.STR, enum=list(Tier.values)),
        ]
    )
)
class EscalationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a 500
    serializer_class = EscalationSerializer

    def get_queryset(self):
        queryset = Escalation.objects.filter(
            clinic__in=clinics_for_user(user=self.request.user)
        ).select_related("clinic", "acknowledged_by", "resolved_by", "owner")
        if self.action == "list":
            queryset = self._filtered(queryset)
        return queryset.order_by("-created_at", "-id")

    def _filtered(self, queryset):
        params = self.request.query_params
        wanted = params.get("status")
        if wanted:
            if wanted not in STATUS_FILTERS:
                raise ValidationError({"status": f"Choose one of: {', '.join(STATUS_FILTERS)}."})
            queryset = queryset.filter(status__in=STATUS_FILTERS[wanted])
        tier = params.get("tier")
        if tier:
            if tier not in Tier.values:
                raise ValidationError({"tier": f"Choose one of: {', '.join(Tier.values)}."})
            queryset = queryset.filter(tier=tier)
        return queryset

    @extend_schema(
        request=None,
        responses={
            200: EscalationSerializer,
            404: OpenApiResponse(description="Not an escalation of your clinics"),
            409: OpenApiResponse(description="Already acknowledged by someone else, or resolved"),
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        escalation = self.get_object()
        if not escalation_acknowledge(escalation=escalation, user=request.user, via="api"):
            escalation.refresh_from_db()
            who = escalation.acknowledged_by.get_username() if escalation.acknowledged_by else None
            return Response(
                {
                    "detail": f"Already {escalation.status}" + (f" by {who}." if who else "."),
                    "escalation": EscalationSerializer(escalation).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        escalation.refresh_from_db()
        return Response(EscalationSerializer(escalation).data)

    @extend_schema(
        request=ResolveSerializer,
        responses={
            200: EscalationSerializer,
            400: OpenApiResponse(description="Missing or unknown outcome, or no note"),
            404: OpenApiResponse(description="Not an escalation of your clinics"),
            409: OpenApiResponse(description="Already resolved"),
        },
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        escalation = self.get_object()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if escalation.status == EscalationStatus.RESOLVED:
            return Response(
                {
                    "detail": "Already resolved.",
                    "escalation": EscalationSerializer(escalation).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            escalation = escalation_resolve(
                escalation=escalation,
                user=request.user,
                outcome=body.validated_data["outcome"],
                note=body.validated_data["note"],
            )
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(EscalationSerializer(escalation).data)
