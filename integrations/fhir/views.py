"""The FHIR endpoints: thin views over search.py, resources.py and enroll.py.

Token authentication exactly as the REST API (DRF's ``TokenAuthentication``), or an OAuth2
client-credentials bearer token (``oauth.py``), scoped to the clinics of the token's user (for a
client, its service user): another clinic's resource is a 404 and never in a Bundle. Every call
that returns patient data is audit-logged, one event per patient shown.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from patients.audit import audit_record
from patients.models import AuditAction, Patient
from patients.selectors import clinics_for_user

from . import resources as build
from .capability import capability_statement
from .oauth import BearerClientAuthentication
from .questionnaires import all_questionnaires, questionnaire_by_id
from .responses import fhir_response, outcome_response, searchset
from .search import SearchError, apply_search, page_numbers, search_for

# kind -> (builder, patient id of a row, for the audit log)
RESOURCES: dict[str, tuple[Callable, Callable]] = {
    "Patient": (build.patient_resource, lambda r: r.pk),
    "Procedure": (build.procedure_resource, lambda r: r.patient_id),
    "QuestionnaireResponse": (
        build.questionnaire_response_resource,
        lambda r: r.enrollment.patient_id,
    ),
    "Observation": (build.observation_resource, lambda r: r.checkpoint.enrollment.patient_id),
    "Flag": (build.flag_resource, lambda r: r.patient_id),
}


class FhirJSONRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class AnyAccept(BaseContentNegotiation):
    """Every answer is FHIR JSON, whatever the client's Accept header (``application/fhir+json``,
    ``application/json+fhir`` of older clients, ``*/*``)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def _base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


class FhirView(APIView):
    authentication_classes = [TokenAuthentication, BearerClientAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [FhirJSONRenderer]
    content_negotiation_class = AnyAccept
    schema = None  # described by the CapabilityStatement, not the OpenAPI schema

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response = outcome_response("Authentication required.", status=401, code="login")
            response["WWW-Authenticate"] = 'Token, Bearer realm="fhir"'
            return response
        if isinstance(exc, exceptions.PermissionDenied):
            return outcome_response("Forbidden.", status=403, code="forbidden")
        if isinstance(exc, exceptions.MethodNotAllowed):
            return outcome_response(str(exc.detail), status=405, code="not-supported")
        if isinstance(exc, exceptions.APIException):
            return outcome_response(str(exc.detail), status=exc.status_code, code="processing")
        raise exc

    def audit(self, *, kind: str, rows: list, status_code: int = 200, search: bool) -> None:
        _, patient_of = RESOURCES[kind]
        seen: dict[int, object] = {}
        for row in rows:
            seen.setdefault(patient_of(row), row)
        detail = {"fhir": kind, "search": search, "count": len(rows)}
        if not seen:
            audit_record(
                action=AuditAction.API,
                request=self.request,
                object_type=f"fhir:{kind}",
                status_code=status_code,
                detail=detail,
            )
        patients = Patient.objects.in_bulk(list(seen))
        for patient_id, row in seen.items():
            audit_record(
                action=AuditAction.API,
                request=self.request,
                patient=patients.get(patient_id),
                object_type=f"fhir:{kind}",
                object_id="" if search else str(row.pk),
                status_code=status_code,
                detail=detail,
            )


class MetadataView(FhirView):
    # The CapabilityStatement is public, as FHIR clients fetch it before authenticating.
    authentication_classes: list = []
    permission_classes: list = []

    def get(self, request):
        return fhir_response(capability_statement(base=_base()))


class TypeView(FhirView):
    """``GET /fhir/<type>?…``: a searchset Bundle of what the caller's clinics hold."""

    def get(self, request, kind: str):
        query = {key: request.GET.getlist(key) for key in request.GET}
        if kind == "Questionnaire":
            return self._questionnaires(query)
        if kind not in RESOURCES:
            return outcome_response(
                f"Unknown resource type {kind!r}.", status=404, code="not-supported"
            )
        builder, _ = RESOURCES[kind]
        try:
            count, page = page_numbers(query)
            qs = apply_search(search_for(kind, clinics=clinics_for_user(user=request.user)), query)
        except SearchError as exc:
            return outcome_response(str(exc), status=400, code="invalid")
        total = qs.count()
        rows = list(qs[(page - 1) * count : page * count]) if count else []
        self.audit(kind=kind, rows=rows, search=True)
        bundle = searchset(
            base=_base(),
            kind=kind,
            resources=[builder(row) for row in rows],
            total=total,
            query=query,
            count=count,
            page=page,
        )
        return fhir_response(bundle)

    def post(self, request, kind: str):
        from .enroll import enroll_from_procedure

        if kind != "Procedure":
            return outcome_response(
                "Only Procedure (with a contained Patient) can be created here; "
                "POST a transaction Bundle to /fhir/ for Patient + Procedure.",
                status=405,
                code="not-supported",
            )
        return enroll_from_procedure(request)

    def _questionnaires(self, query: dict[str, list[str]]):
        items = all_questionnaires()
        for name, values in query.items():
            if name in ("_count", "_page", "_format"):
                continue
            if name not in ("_id", "url"):
                return outcome_response(
                    f"Unsupported search parameter {name!r}.", status=400, code="invalid"
                )
            for value in values:
                key = "id" if name == "_id" else "url"
                wanted = {v.split("|")[0] for v in value.split(",")}
                items = [q for q in items if q[key] in wanted]
        try:
            count, page = page_numbers(query)
        except SearchError as exc:
            return outcome_response(str(exc), status=400, code="invalid")
        shown = items[(page - 1) * count : page * count] if count else []
        return fhir_response(
            searchset(
                base=_base(),
                kind="Questionnaire",
                resources=shown,
                total=len(items),
                query=query,
                count=count,
                page=page,
            )
        )


class InstanceView(FhirView):
    """``GET /fhir/<type>/<id>``: one resource, or 404 (also for another clinic's)."""

    def get(self, request, kind: str, rid: str):
        if kind == "Questionnaire":
            found = questionnaire_by_id(rid)
            if found is None:
                return outcome_response(
                    f"Questionnaire/{rid} not found.", status=404, code="not-found"
                )
            return fhir_response(found)
        if kind not in RESOURCES:
            return outcome_response(
                f"Unknown resource type {kind!r}.", status=404, code="not-supported"
            )
        builder, _ = RESOURCES[kind]
        try:
            qs = apply_search(
                search_for(kind, clinics=clinics_for_user(user=request.user)), {"_id": [rid]}
            )
        except SearchError:
            qs = None
        row = qs.first() if qs is not None else None
        if row is None:
            # The same answer for a missing id and another clinic's: a token learns nothing.
            self.audit(kind=kind, rows=[], status_code=404, search=False)
            return outcome_response(f"{kind}/{rid} not found.", status=404, code="not-found")
        self.audit(kind=kind, rows=[row], search=False)
        return fhir_response(builder(row))


class SystemView(FhirView):
    """``POST /fhir/``: a transaction Bundle (Patient + Procedure [+ baseline Observations])."""

    def post(self, request):
        from .enroll import enroll_from_bundle

        return enroll_from_bundle(request)
