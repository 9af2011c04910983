"""Helpers for the named people of the admin tenancy tests (issue 20.1), shared by the patients,
followup and notifications admin tests. Each module keeps its own fixtures (alice, nina, bob,
root): the suite's conftest uses some of those names for other people."""

from __future__ import annotations

from django.test import Client

from patients.permissions import user_sync_groups
from tests.factories import MembershipFactory, UserFactory


def member(username: str, clinic, role: str, *, staff: bool = True):
    """A user with one role at ``clinic``, their role groups synced as sign-in would."""
    user = UserFactory(username=username, is_staff=staff)
    MembershipFactory(user=user, clinic=clinic, role=role)
    user_sync_groups(user=user)
    return user


def superuser(username: str = "root"):
    return UserFactory(username=username, is_staff=True, is_superuser=True)


def as_(user) -> Client:
    """A test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client
