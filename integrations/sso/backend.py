"""The OIDC backend: who an identity-provider user is here, and which clinic roles they hold.

- A user is found by the ID token's issuer + ``sub`` (``SsoIdentity``), never by e-mail: a local
  account is never taken over by an IdP account that happens to share its address or name.
- Their clinic memberships are exactly what ``OIDC_GROUP_ROLES`` maps their ``groups`` claim to,
  at every sign-in (a group removed at the IdP removes the role here at the next sign-in). Someone
  with no mapped group is refused.
- SSO users have no usable local password; local accounts, their passwords and the two-factor
  rules are unchanged (the sign-in throttling and 2FA middleware apply to both).
"""

from __future__ import annotations

import json

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from patients.models import Clinic, ClinicMembership, Role

from ..models import SsoIdentity


def group_roles() -> dict[str, tuple[str, str]]:
    """``OIDC_GROUP_ROLES``: ``{"idp group": ["clinic slug", "role"]}``, checked loudly."""
    raw = settings.OIDC_GROUP_ROLES
    mapping = json.loads(raw) if isinstance(raw, str) else raw
    out = {}
    for group, (slug, role) in (mapping or {}).items():
        if role not in Role.values:
            raise ImproperlyConfigured(f"OIDC_GROUP_ROLES: unknown role {role!r}")
        out[group] = (slug, role)
    return out


def roles_for_groups(groups: list[str]) -> dict[str, str]:
    """clinic slug -> role; the most senior role wins when two groups name one clinic."""
    seniority = [Role.TRIAGE_NURSE, Role.PHYSICIAN, Role.CLINIC_ADMIN]
    mapping = group_roles()
    out: dict[str, str] = {}
    for group in groups:
        if group in mapping:
            slug, role = mapping[group]
            if slug not in out or seniority.index(role) > seniority.index(out[slug]):
                out[slug] = role
    return out


class ClinicOIDCBackend(OIDCAuthenticationBackend):
    def verify_token(self, token, **kwargs):
        # The library checks the signature, expiry and nonce; the issuer and audience are ours
        # to check (a token the IdP issued to another application must not sign anyone in here).
        try:
            payload = super().verify_token(token, **kwargs)
        except jwt.InvalidTokenError as error:
            # The library turns only a bad signature into a refusal; an expired or not-yet-valid
            # token would otherwise be a 500.
            raise SuspiciousOperation(f"ID token refused: {type(error).__name__}") from None
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if payload.get("iss") != settings.OIDC_ISSUER or self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token issuer or audience mismatch")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        claims = super().get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject")
        return claims

    def verify_claims(self, claims: dict) -> bool:
        return bool(claims.get("sub")) and bool(self._roles(claims))

    def _roles(self, claims: dict) -> dict[str, str]:
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        if isinstance(groups, str):
            groups = [groups]
        roles = roles_for_groups([g for g in groups if isinstance(g, str)])
        known = set(Clinic.objects.filter(slug__in=roles).values_list("slug", flat=True))
        return {slug: role for slug, role in roles.items() if slug in known}

    def filter_users_by_claims(self, claims: dict):
        return self.UserModel.objects.filter(
            sso_identity__issuer=settings.OIDC_ISSUER, sso_identity__subject=claims["sub"]
        )

    @transaction.atomic
    def create_user(self, claims: dict):
        username = (claims.get("preferred_username") or claims["sub"])[:150]
        if self.UserModel.objects.filter(username=username).exists():
            # A local account of that name: refuse rather than merge two people.
            raise SuspiciousOperation("username taken by a local account")
        user = self.UserModel(username=username, email=claims.get("email", ""))
        user.set_unusable_password()
        user.save()
        SsoIdentity.objects.create(user=user, issuer=settings.OIDC_ISSUER, subject=claims["sub"])
        return self.update_user(user, claims)

    @transaction.atomic
    def update_user(self, user, claims: dict):
        user.first_name = (claims.get("given_name") or "")[:150]
        user.last_name = (claims.get("family_name") or "")[:150]
        user.email = claims.get("email", user.email)
        roles = self._roles(claims)
        user.is_staff = Role.CLINIC_ADMIN in roles.values()  # the admin site is for clinic admins
        user.save()
        clinics = {c.slug: c for c in Clinic.objects.filter(slug__in=roles)}
        for slug, role in roles.items():
            ClinicMembership.objects.update_or_create(
                user=user, clinic=clinics[slug], defaults={"role": role, "is_active": True}
            )
        ClinicMembership.objects.filter(user=user).exclude(clinic__slug__in=roles).update(
            is_active=False
        )
        return user  # the login signal puts the user in the groups of these roles
