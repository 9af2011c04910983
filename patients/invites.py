"""Clinic admins invite staff to their own clinic: an account, a membership, a sign-up link.

The invited person chooses their password through a one-time link (Django's token, valid for
``PASSWORD_RESET_TIMEOUT``); the inviter never sees or sets it. The inviter may grant the nurse
and physician roles of a clinic they administer, never ``clinic_admin`` (a superuser's grant).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .audit import audit_record
from .models import AuditAction, Clinic, ClinicMembership, Role
from .permissions import user_has_clinic_perm, user_sync_groups

INVITE_PERM = "patients.add_clinicmembership"
INVITABLE_ROLES = (Role.TRIAGE_NURSE, Role.PHYSICIAN)


class InviteRefused(ValueError):
    """The invitation cannot be made as asked (a taken username, say); nothing was created."""


def invite_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.PUBLIC_BASE_URL}{path}"


def staff_invite(
    *,
    by,
    clinic: Clinic,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    page_phone: str = "",
    request: HttpRequest | None = None,
) -> ClinicMembership:
    """Create the account and membership, audit it, and email the link after commit."""
    if not user_has_clinic_perm(by, INVITE_PERM, clinic):
        raise PermissionDenied("You do not administer this clinic.")
    if role not in INVITABLE_ROLES and not by.is_superuser:
        raise PermissionDenied("Only a superuser grants the clinic admin role.")
    users = get_user_model()
    if users.objects.filter(username__iexact=username).exists():
        # Says nothing about which clinic the existing account belongs to.
        raise InviteRefused("That username is taken; choose another.")
    with transaction.atomic():
        user = users.objects.create_user(
            username=username, email=email, first_name=first_name, last_name=last_name
        )  # no password: unusable until the invitee sets one
        membership = ClinicMembership.objects.create(
            user=user, clinic=clinic, role=role, page_phone=page_phone, page_email=email
        )
        user_sync_groups(user=user)
        audit_record(
            action=AuditAction.CREATE,
            request=request,
            user=by,
            clinic=clinic,
            obj=membership,
            detail={"invited_user_id": user.pk, "role": role, "via": "invite"},
        )
        link = invite_link(user)
        transaction.on_commit(
            lambda: send_mail(
                f"You are invited to {clinic.name} on Spine follow-up",
                f"{by.get_full_name() or by.get_username()} added you to {clinic.name} as "
                f"{membership.get_role_display()}.\n\nYour username: {username}\n"
                f"Choose your password here (the link works once): {link}\n",
                None,
                [email],
            )
        )
    return membership
