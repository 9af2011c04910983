"""The outcome pages' shared filter form, scope check and audit summary of the filters."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest

from patients.models import Clinic, Role

from ...models import Enrollment
from ...outcomes.timeline import checkpoint_days, checkpoint_label, procedure_names
from ...selectors.outcomes import (
    CohortFilters,
    OutcomeAccess,
    enrollment_for_outcomes,
    outcome_access,
)

PAGE_SIZE = 50


# --- filters ----------------------------------------------------------------------------------
class CohortFilterForm(forms.Form):
    procedure = forms.ChoiceField(required=False)
    physician = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    clinic = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    performed_from = forms.DateField(
        required=False, label="Procedure from", widget=forms.DateInput(attrs={"type": "date"})
    )
    performed_to = forms.DateField(
        required=False, label="Procedure to", widget=forms.DateInput(attrs={"type": "date"})
    )
    checkpoint = forms.ChoiceField(required=False, label="Check")
    withdrawn = forms.ChoiceField(
        required=False,
        label="Withdrawn patients",
        choices=[("include", "Included"), ("exclude", "Excluded")],
    )
    group = forms.ChoiceField(
        required=False,
        label="Compare",
        choices=[
            ("", "Whole cohort"),
            ("procedure", "By procedure"),
            ("physician", "By physician"),
        ],
    )

    def __init__(self, *args, access: OutcomeAccess, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = procedure_names()
        self.fields["procedure"].choices = [("", "All procedures")] + [
            (code, f"{code} - {name}") for code, name in names.items()
        ]
        keys = sorted(checkpoint_days(), key=lambda k: checkpoint_days()[k])
        self.fields["checkpoint"].choices = [("", "All checks")] + [
            (k, f"{k} - {checkpoint_label(k)}") for k in keys
        ]
        self.fields["clinic"].choices = [("", "All my clinics")] + [
            (c.pk, c.name) for c in Clinic.objects.filter(pk__in=access.clinic_ids).order_by("name")
        ]
        self.fields["physician"].choices = [("", "All physicians")] + physician_choices(access)

    def filters(self) -> CohortFilters:
        data = self.cleaned_data
        return CohortFilters(
            procedure=data.get("procedure") or "",
            physician_id=data.get("physician"),
            clinic_id=data.get("clinic"),
            performed_from=data.get("performed_from"),
            performed_to=data.get("performed_to"),
            checkpoint=data.get("checkpoint") or "",
            include_withdrawn=data.get("withdrawn") != "exclude",
            group=data.get("group") or "",
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("performed_from"), data.get("performed_to")
        if start and end and start > end:
            raise forms.ValidationError("The procedure date range ends before it starts.")
        return data


def physician_choices(access: OutcomeAccess) -> list[tuple[int, str]]:
    users = get_user_model().objects.filter(
        memberships__clinic_id__in=access.clinic_wide,
        memberships__role=Role.PHYSICIAN,
        memberships__is_active=True,
    )
    if access.own_only:
        users = users | get_user_model().objects.filter(pk=access.user_id)
    return [
        (u.pk, u.get_full_name() or u.get_username())
        for u in users.distinct().order_by("last_name", "first_name", "username")
    ]


def access_and_form(request: HttpRequest) -> tuple[OutcomeAccess, CohortFilterForm]:
    access = outcome_access(user=request.user)
    clinic = request.GET.get("clinic")
    # A clinic the user does not belong to is not "no results": its existence stays hidden.
    if clinic and (not clinic.isdigit() or not access.sees_clinic(int(clinic))):
        raise Http404("No such clinic")
    return access, CohortFilterForm(request.GET or None, access=access)


def filters_or_none(form: CohortFilterForm) -> CohortFilters | None:
    if not form.is_bound:
        return CohortFilters()
    if not form.is_valid():
        return None
    return form.filters()


def audit_filters(filters: CohortFilters) -> dict:
    """Filter values for the audit row: codes, ids and dates only."""
    return {
        "procedure": filters.procedure,
        "physician_id": filters.physician_id,
        "clinic_id": filters.clinic_id,
        "performed_from": filters.performed_from.isoformat() if filters.performed_from else None,
        "performed_to": filters.performed_to.isoformat() if filters.performed_to else None,
        "checkpoint": filters.checkpoint,
        "include_withdrawn": filters.include_withdrawn,
    }


# --- cohort dashboard -----------------------------------------------------------------------------


def enrollment_or_404(request: HttpRequest, pk: int) -> Enrollment:
    try:
        return enrollment_for_outcomes(access=outcome_access(user=request.user), enrollment_id=pk)
    except Enrollment.DoesNotExist:
        raise Http404("No such enrollment") from None
