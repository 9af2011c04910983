"""Who sees whose outcomes.

- A physician sees the enrollments they are the physician of, in the clinics they belong to.
- With the ``followup.view_clinic_outcomes`` permission (user or group), a member of a clinic
  (physician or other role) sees every enrollment of that clinic.
- A clinic administrator sees every enrollment of their clinic.
- A triage nurse without the permission sees none: the outcome pages are not the triage queue.
- Nobody sees a clinic they have no active membership of, superusers included: the permission
  widens the view inside one's clinics, never across clinics.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from patients.models import ClinicMembership, Role

from ...models import Enrollment

VIEW_CLINIC_OUTCOMES = "followup.view_clinic_outcomes"


@dataclass(frozen=True)
class OutcomeAccess:
    user_id: int | None
    clinic_wide: frozenset[int]  # clinic ids whose every enrollment is visible
    own_only: frozenset[int]  # clinic ids where only the user's own patients are visible

    @property
    def has_any(self) -> bool:
        return bool(self.clinic_wide or self.own_only)

    @property
    def clinic_ids(self) -> frozenset[int]:
        return self.clinic_wide | self.own_only

    def sees_clinic(self, clinic_id: int) -> bool:
        return clinic_id in self.clinic_ids

    def sees_whole_clinic(self, clinic_id: int) -> bool:
        return clinic_id in self.clinic_wide

    def enrollment_q(self, prefix: str = "") -> Q:
        """Filter for Enrollment (or a model reaching it through ``prefix``, e.g. "enrollment__")."""
        if not self.has_any:
            return Q(pk__in=[])
        q = Q()
        if self.clinic_wide:
            q |= Q(**{f"{prefix}clinic_id__in": sorted(self.clinic_wide)})
        if self.own_only:
            q |= Q(
                **{
                    f"{prefix}clinic_id__in": sorted(self.own_only),
                    f"{prefix}physician_id": self.user_id,
                }
            )
        return q


NO_ACCESS = OutcomeAccess(user_id=None, clinic_wide=frozenset(), own_only=frozenset())


def outcome_access(*, user) -> OutcomeAccess:
    """What ``user`` may see on the outcome pages (one query for memberships, one for perms)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    memberships = ClinicMembership.objects.filter(user=user, is_active=True).values_list(
        "clinic_id", "role"
    )
    clinic_wide: set[int] = set()
    own_only: set[int] = set()
    widened = None
    for clinic_id, role in memberships:
        if role == Role.CLINIC_ADMIN:
            clinic_wide.add(clinic_id)
            continue
        if widened is None:
            widened = user.has_perm(VIEW_CLINIC_OUTCOMES)
        if widened:
            clinic_wide.add(clinic_id)
        elif role == Role.PHYSICIAN:
            own_only.add(clinic_id)
    return OutcomeAccess(
        user_id=user.pk,
        clinic_wide=frozenset(clinic_wide),
        own_only=frozenset(own_only - clinic_wide),
    )


def outcome_enrollments(*, access: OutcomeAccess) -> QuerySet[Enrollment]:
    """Every enrollment ``access`` lets its user see; the root of every outcome query."""
    return Enrollment.objects.filter(access.enrollment_q())
