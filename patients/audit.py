"""The audit log: who saw or did what to which patient record, when, and from which address.

Staff pages call :func:`audit_record` themselves (they know the patient). API calls are recorded
by :class:`AuditMiddleware`, which looks the patient up from the route. Sign-ins, sign-outs and
failed sign-ins come from Django's auth signals.

Writing fails closed: if the audit row cannot be written, the request fails rather than showing
a record nobody will know was seen. Nothing here logs patient details to the application log.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from .client_address import client_ip
from .models import AuditAction, AuditEvent, Clinic, ClinicMembership, Patient

logger = logging.getLogger(__name__)

_UA_LIMIT = 200
_PATH_LIMIT = 300


def _object_ref(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.model_name, str(obj.pk)


def audit_record(
    *,
    action: str,
    request: HttpRequest | None = None,
    user=None,
    clinic: Clinic | None = None,
    patient: Patient | None = None,
    obj=None,
    object_type: str = "",
    object_id: str | int = "",
    status_code: int | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. ``detail`` carries ids and codes only, never names or free text."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None and not object_type:
        object_type, object_id = _object_ref(obj)
    if clinic is None and patient is not None:
        clinic_id = patient.clinic_id
    else:
        clinic_id = clinic.pk if clinic is not None else None
    event = AuditEvent(
        user_id=user.pk if user is not None else None,
        username=user.get_username() if user is not None else "",
        action=action,
        clinic_id=clinic_id,
        patient_id=patient.pk if patient is not None else None,
        object_type=object_type[:40],
        object_id=str(object_id)[:40],
        status_code=status_code,
        detail=detail or {},
    )
    if request is not None:
        event.method = request.method[:8] if request.method else ""
        event.path = request.path[:_PATH_LIMIT]
        event.ip = client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:_UA_LIMIT]
    event.save()
    return event


# --- API calls ----------------------------------------------------------------------------------
# Route basename -> model whose rows carry ``patient_id`` and ``clinic_id``.
API_OBJECTS = {"enrollment": "followup.Enrollment", "escalation": "followup.Escalation"}


def _api_subject(
    request: HttpRequest, response: HttpResponse
) -> tuple[str, str, int | None, int | None]:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return "", "", None, None
    basename = (match.url_name or "").rsplit("-", 1)[0]
    object_id = match.kwargs.get("pk")
    if object_id is None and response.status_code == 201:
        data = getattr(response, "data", None)
        object_id = data.get("id") if isinstance(data, dict) else None
    model_label = API_OBJECTS.get(basename)
    if model_label is None or object_id is None:
        return basename, str(object_id or ""), None, None
    model = apps.get_model(model_label)
    row = model.objects.filter(pk=object_id).values("patient_id", "clinic_id").first()
    if row is None:
        return basename, str(object_id), None, None
    return basename, str(object_id), row["patient_id"], row["clinic_id"]


def _listed_patient_ids(response: HttpResponse) -> list[int]:
    """The patients whose rows a paginated API list response carries (``patient`` is an id, or
    an object with one): a list shows PHI of many patients, so each of them is recorded."""
    data = getattr(response, "data", None)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list):
        return []
    ids: set[int] = set()
    for row in results:
        patient = row.get("patient") if isinstance(row, dict) else None
        if isinstance(patient, dict):
            patient = patient.get("id")
        if isinstance(patient, int):
            ids.add(patient)
    return sorted(ids)


class AuditMiddleware:
    """Records every authenticated call to the REST API (``/api/v1/``), with its patient.

    Token authentication happens inside the view (DRF), so the user is read after the response.
    The query string is not stored: searches may carry names.
    """

    prefix = "/api/v1/"

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(self.prefix):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                object_type, object_id, patient_id, clinic_id = _api_subject(request, response)
                listed = _listed_patient_ids(response) if response.status_code == 200 else []
                event = AuditEvent(
                    user_id=user.pk,
                    username=user.get_username(),
                    action=AuditAction.API,
                    clinic_id=clinic_id,
                    patient_id=patient_id,
                    object_type=object_type[:40],
                    object_id=object_id[:40],
                    method=request.method[:8],
                    path=request.path[:_PATH_LIMIT],
                    status_code=response.status_code,
                    ip=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", "")[:_UA_LIMIT],
                    detail={"patient_ids": listed} if listed else {},
                )
                event.save()
        return response


# --- sign-in signals ----------------------------------------------------------------------------
def _on_login(sender, request, user, **kwargs) -> None:
    from .permissions import LAST_ACTIVITY_KEY, user_sync_groups

    user_sync_groups(user=user)
    if request is not None and hasattr(request, "session"):
        import time

        request.session[LAST_ACTIVITY_KEY] = time.time()
    audit_record(action=AuditAction.LOGIN, request=request, user=user)


def _on_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    reason = getattr(request, "audit_logout_reason", "user") if request is not None else "user"
    audit_record(action=AuditAction.LOGOUT, request=request, user=user, detail={"reason": reason})


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    event = AuditEvent(action=AuditAction.LOGIN_FAILED, username=username, detail={})
    known = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    event.user_id = known
    if request is not None:
        event.method = request.method or ""
        event.path = request.path[:_PATH_LIMIT]
        event.ip = client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:_UA_LIMIT]
        if getattr(request, "axes_locked_out", False):
            event.detail = {"locked_out": True}
    event.save()


def audit_connect_signals() -> None:
    """Idempotent; called from ``PatientsConfig.ready()``."""
    user_logged_in.connect(_on_login, dispatch_uid="patients.audit.login")
    user_logged_out.connect(_on_logout, dispatch_uid="patients.audit.logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="patients.audit.login_failed")


# --- reading it back ------------------------------------------------------------------------------
def audit_events_visible_to(*, user) -> QuerySet[AuditEvent]:
    """Events of the clinics where ``user`` may read the audit log, plus the sign-in events of
    those clinics' staff (sign-ins belong to no clinic)."""
    from .permissions import VIEW_AUDIT, clinics_with_perm

    clinics = clinics_with_perm(user=user, perm=VIEW_AUDIT)
    if user.is_superuser:
        return AuditEvent.objects.all()
    staff = ClinicMembership.objects.filter(clinic__in=clinics).values("user_id")
    return AuditEvent.objects.filter(
        Q(clinic_id__in=clinics.values("pk")) | Q(clinic_id__isnull=True, user_id__in=staff)
    )


def audit_filter(
    queryset: QuerySet[AuditEvent],
    *,
    action: str = "",
    username: str = "",
    patient_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    if action:
        queryset = queryset.filter(action=action)
    if username:
        queryset = queryset.filter(username__iexact=username)
    if patient_id is not None:
        queryset = queryset.filter(patient_id=patient_id)
    if since is not None:
        queryset = queryset.filter(at__date__gte=since)
    if until is not None:
        queryset = queryset.filter(at__date__lte=until)
    return queryset


CSV_HEADER = [
    "at",
    "username",
    "action",
    "clinic_id",
    "patient_id",
    "object_type",
    "object_id",
    "method",
    "path",
    "status_code",
    "ip",
    "detail",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """CSV lines for a streaming response. Cells that a spreadsheet would run as a formula are
    prefixed with a quote (CSV injection): paths and usernames come from outside."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for e in events:
        row = [
            e.at.isoformat(),
            e.username,
            e.action,
            e.clinic_id or "",
            e.patient_id or "",
            e.object_type,
            e.object_id,
            e.method,
            e.path,
            e.status_code or "",
            e.ip or "",
            json.dumps(e.detail, sort_keys=True) if e.detail else "",
        ]
        yield writer.writerow([csv_cell(v) for v in row])


_PLAIN_NUMBER = re.compile(r"^\+?\d[\d ()-]*$")


def csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): text starting with = + - @
    or a control character gets a leading quote. Plain numbers and phone numbers (+1512...) are
    left alone: they compute to nothing."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text
