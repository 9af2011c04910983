"""The structured editors of a clinic's setup: escalation chains and on-call shifts.

A chain is edited as rows (wait, who, when) whose "who" is chosen from the clinic's roles and
roster, never typed as JSON; the rows become ``EscalationChain.steps`` only after
``followup.chain_rules.chain_validate`` accepts them for the chosen clinic and tier.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from patients.models import Clinic, ClinicMembership, Role

from .chain_rules import business_hours_text, chain_validate
from .models import EscalationChain, OnCallShift
from .roster_rules import shift_problems

MAX_STEPS = 6
HOURS_CHOICES = [("", "At any hour"), ("business", "Business hours"), ("after", "Out of hours")]


def target_choices(clinics: QuerySet[Clinic]) -> list[tuple[str, object]]:
    """Who a step may page: on-call roles, clinic roles, and the named members of ``clinics``."""
    members = (
        ClinicMembership.objects.filter(clinic__in=clinics, is_active=True, user__is_active=True)
        .select_related("user", "clinic")
        .order_by("clinic__name", "user__username")
    )
    people = []
    seen = set()
    for membership in members:
        username = membership.user.get_username()
        if username in seen:
            continue
        seen.add(username)
        people.append(
            (f"user:{username}", f"{membership.user.get_full_name() or username} ({username})")
        )
    return [
        ("", "---------"),
        (
            "On call (from the roster)",
            [(f"oncall:{value}", label) for value, label in OnCallShift.Role.choices],
        ),
        ("Everyone with a role", [(f"role:{value}", label) for value, label in Role.choices]),
        ("A named person", people),
    ]


class ChainForm(forms.ModelForm):
    """Steps as rows; ``steps`` is built from them in :meth:`clean`."""

    class Meta:
        model = EscalationChain
        fields = ["clinic", "tier"]

    def __init__(self, *args, target_clinics: QuerySet[Clinic] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        clinics = target_clinics if target_clinics is not None else Clinic.objects.all()
        choices = target_choices(clinics)
        existing = list(self.instance.steps or []) if self.instance.pk else []
        for number in range(1, MAX_STEPS + 1):
            step = existing[number - 1] if number <= len(existing) else {}
            last = number == MAX_STEPS
            self.fields[f"step{number}_after"] = forms.IntegerField(
                label=f"Step {number}: minutes after the flag",
                min_value=0,
                required=False,
                initial=step.get("after_minutes"),
            )
            self.fields[f"step{number}_target"] = forms.ChoiceField(
                label=f"Step {number}: page", choices=choices, required=False
            )
            self.fields[f"step{number}_target"].initial = step.get("target", "")
            self.fields[f"step{number}_hours"] = forms.ChoiceField(
                label=f"Step {number}: when", choices=HOURS_CHOICES, required=False
            )
            self.fields[f"step{number}_hours"].initial = step.get("hours", "")
            self.fields[f"step{number}_repeat"] = forms.IntegerField(
                label=f"Step {number}: repeat every (minutes, last step only)",
                min_value=5,
                required=False,
                initial=step.get("repeat_minutes"),
                help_text="" if not last else "Pages again at this interval until acknowledged.",
            )
        if self.instance.pk and self.instance.clinic_id:
            self.fields["tier"].help_text = (
                f"Business hours of {self.instance.clinic.name}: "
                f"{business_hours_text(self.instance.clinic)}"
            )

    def _rows(self) -> list[dict]:
        steps = []
        for number in range(1, MAX_STEPS + 1):
            after = self.cleaned_data.get(f"step{number}_after")
            target = self.cleaned_data.get(f"step{number}_target") or ""
            hours = self.cleaned_data.get(f"step{number}_hours") or ""
            repeat = self.cleaned_data.get(f"step{number}_repeat")
            if after is None and not target and not hours and repeat is None:
                continue  # an empty row
            if after is None or not target:
                self.add_error(
                    f"step{number}_target" if not target else f"step{number}_after",
                    "A step needs both a wait (minutes) and someone to page.",
                )
                continue
            step: dict = {"after_minutes": after, "target": target}
            if hours:
                step["hours"] = hours
            if repeat is not None:
                step["repeat_minutes"] = repeat
            steps.append(step)
        return steps

    def clean(self):
        cleaned = super().clean()
        steps = self._rows()
        clinic, tier = cleaned.get("clinic"), cleaned.get("tier")
        if clinic is not None and tier and not self.errors:
            problems = chain_validate(clinic=clinic, tier=tier, steps=steps)
            if problems:
                raise forms.ValidationError(problems)
        self.instance.steps = steps
        return cleaned


class ShiftForm(forms.ModelForm):
    """An on-call shift: ends after it starts, for an active member of the shift's clinic.

    Times are read and shown in the time zone the admin activates for the form (the clinic's:
    see ``OnCallShiftAdmin``), and the help text names it.
    """

    class Meta:
        model = OnCallShift
        fields = ["clinic", "user", "role", "starts_at", "ends_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zone = timezone.get_current_timezone_name()
        for name in ("starts_at", "ends_at"):
            if name in self.fields:
                self.fields[name].help_text = f"Time zone: {zone}."

    def clean(self):
        cleaned = super().clean()
        problems = shift_problems(
            clinic=cleaned.get("clinic"),
            user=cleaned.get("user"),
            starts_at=cleaned.get("starts_at"),
            ends_at=cleaned.get("ends_at"),
        )
        for field, message in problems:
            self.add_error(field, message)
        return cleaned
