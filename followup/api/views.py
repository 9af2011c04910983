from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from patients.selectors import clinics_for_user
from patients.senders import enrollment_phone_warnings

from ..models import Enrollment
from ..services.enrollments import EnrollmentConflict
from .serializers import (
    EnrollmentCreateSerializer,
    EnrollmentSerializer,
    enrollment_api_queryset,
)


class EnrollmentViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a 500
    serializer_class = EnrollmentSerializer

    def get_queryset(self):
        return enrollment_api_queryset(
            Enrollment.objects.filter(clinic__in=clinics_for_user(user=self.request.user))
        ).order_by("-id")

    @extend_schema(
        request=EnrollmentCreateSerializer,
        responses={
            201: EnrollmentSerializer,
            400: OpenApiResponse(description="Field errors"),
            404: OpenApiResponse(description="Clinic not available to this token"),
            409: OpenApiResponse(description="Same patient, procedure and date already enrolled"),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = EnrollmentCreateSerializer(
            data=request.data, context={"clinics": clinics_for_user(user=request.user)}
        )
        serializer.is_valid(raise_exception=True)  # another clinic's slug: 404, as an unknown one
        try:
            enrollment = serializer.enroll(created_by=request.user)
        except EnrollmentConflict as conflict:
            return Response(
                {
                    "detail": "This patient is already enrolled for this procedure on this date.",
                    "enrollment_id": conflict.existing.pk,
                },
                status=status.HTTP_409_CONFLICT,
            )
        enrollment = get_object_or_404(self.get_queryset(), pk=enrollment.pk)
        data = dict(EnrollmentSerializer(enrollment).data)
        data["warnings"] = enrollment_phone_warnings(
            phone=enrollment.patient.phone, clinic_id=enrollment.clinic_id
        )
        return Response(data, status=status.HTTP_201_CREATED)
