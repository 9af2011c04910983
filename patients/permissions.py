"""Who may do what, and in which clinic.

A staff user's role is per clinic (:class:`~patients.models.ClinicMembership`): the same person
can be a triage nurse in one clinic and a clinic admin in another. So every check here takes the
clinic of the record at hand. Each role maps to a set of Django permissions
(:data:`ROLE_PERMISSIONS`); the same map fills one Django group per role
(:func:`role_groups_sync`), which is what the admin site reads, and the staff pages ask for the
same permission names against the record's clinic (:func:`user_has_clinic_perm`).

Scope first, role second: a record of a clinic the user does not belong to is a 404 (its
existence stays hidden); a record of their clinic that their role may not touch is a 403.

Also here, because they decide whether a request gets in at all: the login throttling backend
and the staff session middleware (idle sign-out, two-factor gate).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import wraps

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from .models import Clinic, ClinicMembership, Role

# --- capabilities (Django permission names) ---------------------------------------------------
VIEW_PATIENT = "patients.view_patient"
# Triage actions (acknowledge, assign, note, resolve) have a permission of their own: the admin's
# ``change_escalation`` would let a form rewrite the row and skip the note, timeline and audit.
ACT_ON_ESCALATION = "followup.act_on_escalation"
# Publishing a protocol every clinic shares: no clinic role has it (an operator grants it).
PUBLISH_PROTOCOL = "followup.publish_protocol"
ENROLL = "followup.add_enrollment"
VIEW_WORKLIST = "followup.view_worklistcall"
WORK_WORKLIST = "followup.add_worklistcall"
VIEW_OUTCOMES = "followup.view_score"
VIEW_AUDIT = "patients.view_auditevent"
EXPORT_AUDIT = "patients.export_auditevent"

_READ = {
    VIEW_PATIENT,
    "followup.view_enrollment",
    "followup.view_checkpoint",
    "followup.view_answer",
    "followup.view_flag",
    "followup.view_escalation",
    "followup.view_timelineevent",
    # Relief-diary answers are part of the record the outcome page shows (issue 23).
    "followup.view_diaryentry",
    VIEW_OUTCOMES,
    VIEW_WORKLIST,
}
# What a clinic admin configures in the admin site (their ClinicScopedAdmin keeps it to their clinics).
_CONFIGURE = {
    "patients.view_clinic",
    "patients.change_clinic",
    "patients.view_clinicmembership",
    "patients.add_clinicmembership",
    "patients.change_clinicmembership",
    "followup.view_protocol",
    "followup.view_oncallshift",
    "followup.add_oncallshift",
    "followup.change_oncallshift",
    "followup.delete_oncallshift",
    "followup.view_escalationchain",
    "followup.add_escalationchain",
    "followup.change_escalationchain",
    # The EHR feed's settings (integrations/admin.py scopes them to the admin's clinics too).
    "integrations.view_clinicinterface",
    "integrations.add_clinicinterface",
    "integrations.change_clinicinterface",
    "integrations.view_procedurecodemapping",
    "integrations.add_procedurecodemapping",
    "integrations.change_procedurecodemapping",
    "integrations.delete_procedurecodemapping",
    "integrations.view_hl7message",
    "integrations.view_writeback",
    # Their clinic's monitoring rows, read-only (followup/monitoring/admin.py): roster-gap
    # alerts and chain drills. Installation-wide alerts and the sweep heartbeat: superusers only.
    "monitoring.view_opsalert",
    "monitoring.view_testpage",
    "monitoring.view_testpagedelivery",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.TRIAGE_NURSE: frozenset(_READ | {ACT_ON_ESCALATION, ENROLL, WORK_WORKLIST}),
    # Physicians answer pages and enroll their patients; the phone worklists are the nurses' work.
    Role.PHYSICIAN: frozenset(_READ | {ACT_ON_ESCALATION, ENROLL}),
    Role.CLINIC_ADMIN: frozenset(
        _READ | _CONFIGURE | {ACT_ON_ESCALATION, ENROLL, WORK_WORKLIST, VIEW_AUDIT, EXPORT_AUDIT}
    ),
}

ROLE_GROUPS: dict[str, str] = {
    Role.TRIAGE_NURSE: "Triage nurses",
    Role.PHYSICIAN: "Physicians",
    Role.CLINIC_ADMIN: "Clinic admins",
}


# --- checks -----------------------------------------------------------------------------------
def _active_memberships(user) -> QuerySet[ClinicMembership]:
    return ClinicMembership.objects.filter(user=user, is_active=True, user__is_active=True)


def roles_in(*, user, clinic: Clinic | int) -> set[str]:
    """The user's roles in one clinic (empty when they are not an active member)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return set(_active_memberships(user).filter(clinic_id=clinic_id).values_list("role", flat=True))


def user_has_clinic_perm(user, perm: str, clinic: Clinic | int) -> bool:
    """May ``user`` use ``perm`` on a record of ``clinic``? Superusers may do everything."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(
        perm in ROLE_PERMISSIONS.get(role, ()) for role in roles_in(user=user, clinic=clinic)
    )


def roles_with_perm(perm: str) -> list[str]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]


def clinics_with_perm(*, user, perm: str) -> QuerySet[Clinic]:
    """The clinics where ``user`` holds ``perm`` through one of their roles."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Clinic.objects.none()
    if user.is_superuser:
        return Clinic.objects.all()
    return Clinic.objects.filter(
        memberships__user=user,
        memberships__is_active=True,
        memberships__role__in=roles_with_perm(perm),
    ).distinct()


def require_clinic_perm(user, perm: str, clinic: Clinic | int) -> None:
    """403 for a record the user can see (same clinic) but whose action their role lacks."""
    if not user_has_clinic_perm(user, perm, clinic):
        raise PermissionDenied("Your role in this clinic does not allow this.")


def staff_required(perm: str | None = None) -> Callable:
    """View decorator: signed in, and ``perm`` (default: seeing patients) in at least one clinic.

    The object-level check (is *this* record in one of those clinics?) is the view's, through
    the scoped selectors.
    """
    needed = perm or VIEW_PATIENT

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not clinics_with_perm(user=request.user, perm=needed).exists():
                raise PermissionDenied("You have no clinic role that allows this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- groups -----------------------------------------------------------------------------------
def _permissions(names: Iterable[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted}
    ).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def role_groups_sync() -> dict[str, Group]:
    """Create or refresh one group per role with exactly the role's permissions. Idempotent."""
    groups = {}
    for role, name in ROLE_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(ROLE_PERMISSIONS[role]))
        groups[role] = group
    return groups


def user_sync_groups(*, user) -> list[str]:
    """Put the user in the groups of their active roles, and out of the other role groups.

    Groups that are not role groups (made by an operator) are left alone. Returns the role
    group names the user ends up in.
    """
    groups = role_groups_sync()
    roles = set(_active_memberships(user).values_list("role", flat=True))
    keep = [groups[r] for r in roles if r in groups]
    drop = [g for r, g in groups.items() if r not in roles]
    user.groups.remove(*drop)
    user.groups.add(*keep)
    return sorted(g.name for g in keep)


# --- sign-in throttling -----------------------------------------------------------------------
class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for logins that come through a web request.

    Without a request (the test client's ``login()``, a management command) there is no address
    to throttle by: it steps aside and the password backend decides, instead of crashing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        from .login_throttle import address_is_paused  # axes' models need a ready app registry

        if address_is_paused(request):
            # As axes does for its own lockout: the middleware turns the flag into the 429 page.
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("Too many failed sign-ins from this address")
        return super().authenticate(request, username=username, password=password, **kwargs)


# --- staff sessions ---------------------------------------------------------------------------
# Sent by the queue's background refresh: it is not a person at the screen, so it must not keep
# an unattended session alive.
BACKGROUND_HEADER = "HTTP_X_BACKGROUND_REFRESH"
LAST_ACTIVITY_KEY = "staff_last_activity"
TWO_FACTOR_SETUP_URL = "/accounts/two-factor/"
TWO_FACTOR_VERIFY_URL = "/accounts/two-factor/verify/"
_OPEN_PATHS = ("/static/", "/accounts/login/", "/accounts/logout/", "/accounts/two-factor/")


def is_background(request: HttpRequest) -> bool:
    return request.META.get(BACKGROUND_HEADER) == "1"


class StaffSessionMiddleware:
    """Signs out idle sessions and holds a signed-in user at the two-factor step until done."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._idle(request) or self._two_factor(request)
            if response is not None:
                return response
        return self.get_response(request)

    def _idle(self, request: HttpRequest) -> HttpResponse | None:
        now = time.time()
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None and now - float(last) > settings.SESSION_IDLE_TIMEOUT:
            # The logout signal writes the audit row; it reads the reason from here.
            request.audit_logout_reason = "idle"
            logout(request)
            return _signed_out(request, reason="idle")
        # Written at most every 30 s: a session save per click is wasted work, and 30 s cannot
        # matter against a timeout of minutes.
        if not is_background(request) and (last is None or now - float(last) > 30):
            request.session[LAST_ACTIVITY_KEY] = now
        return None

    def _two_factor(self, request: HttpRequest) -> HttpResponse | None:
        if request.path.startswith(_OPEN_PATHS):
            return None
        from django_otp import user_has_device

        user = request.user
        verified = getattr(user, "is_verified", lambda: False)()
        if verified:
            return None
        if user_has_device(user):
            return _gate(request, TWO_FACTOR_VERIFY_URL)
        if settings.STAFF_REQUIRE_2FA:
            return _gate(request, TWO_FACTOR_SETUP_URL)
        return None


def _signed_out(request: HttpRequest, *, reason: str) -> HttpResponse:
    if is_background(request) or request.path.startswith("/api/"):
        return JsonResponse({"detail": "Signed out", "reason": reason}, status=401)
    return redirect(f"{settings.LOGIN_URL}?{reason}=1&next={_quoted_next(request)}")


def _gate(request: HttpRequest, url: str) -> HttpResponse:
    if is_background(request) or request.path.startswith("/api/"):
        return JsonResponse({"detail": "Two-factor verification required"}, status=401)
    return redirect(f"{url}?next={_quoted_next(request)}")


def _quoted_next(request: HttpRequest) -> str:
    from urllib.parse import quote

    return quote(request.get_full_path(), safe="/")
