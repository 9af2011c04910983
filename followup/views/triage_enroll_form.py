"""Staff enrollment form: its fields, the posted fields rebuilt into the API's JSON shape, the API's
errors flattened onto those fields, and the preview of the check dates.

The views that serve it are in triage_enroll.py.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone
from django.utils.dateparse import parse_date

from patients.models import Channel, ClinicMembership, Language, Role
from patients.permissions import ENROLL, clinics_with_perm

from ..diaries.anaesthetics import ANAESTHETICS
from ..models.enrollments import Side
from ..protocols import protocol_current
from ..scheduling import checkpoint_schedule

TIME_ZONES = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Mountain, no DST (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
    ("America/Puerto_Rico", "Atlantic (Puerto Rico)"),
]

PATIENT_FIELDS = [
    # name, label, input type, required, autocomplete
    ("first_name", "First name", "text", True, "off"),
    ("last_name", "Last name", "text", True, "off"),
    ("date_of_birth", "Date of birth", "date", True, "off"),
    ("mrn", "MRN", "text", True, "off"),
    ("phone", "Mobile phone", "tel", False, "off"),
    ("email", "Email", "email", False, "off"),
]


def _field(
    name, label, kind, value="", *, required=False, options=None, errors=None, help_text="", **extra
):
    return {
        "name": name,
        "id": "f-" + name.replace(".", "-"),
        "label": label,
        "type": kind,
        "value": value,
        "required": required,
        "options": options or [],
        "errors": errors or [],
        "help": help_text,
        **extra,
    }


def flatten_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors as ``{"patient.phone": [...], "__all__": [...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = (
                (prefix.rstrip(".") or "__all__") if key == "non_field_errors" else f"{prefix}{key}"
            )
            if isinstance(value, dict):
                flat.update(flatten_errors(value, prefix=f"{name}."))
            else:
                flat.setdefault(name, []).extend(str(v) for v in value)
    elif isinstance(errors, list):
        flat.setdefault(prefix.rstrip(".") or "__all__", []).extend(str(v) for v in errors)
    return flat


def enroll_payload(post) -> dict:
    """The API's JSON body from the flat form fields; blank optional fields are left out."""
    patient = {
        key: post.get(f"patient.{key}", "").strip()
        for key in (
            "first_name",
            "last_name",
            "date_of_birth",
            "mrn",
            "phone",
            "email",
            "time_zone",
            "language",
            "preferred_channel",
        )
    }
    patient = {
        k: v
        for k, v in patient.items()
        if v != "" or k in ("first_name", "last_name", "date_of_birth", "mrn")
    }
    data = {
        "patient": patient,
        "procedure": post.get("procedure", "").strip(),
        "performed_on": post.get("performed_on", "").strip(),
        "clinic": post.get("clinic", "").strip(),
        "physician": post.get("physician", "").strip(),
        "levels": post.get("levels", "").strip(),
        "side": post.get("side", "").strip(),
    }
    baseline = {}
    for key in ("pain", "odi", "ndi", "back_pain", "leg_pain"):
        raw = post.get(f"baseline.{key}", "").strip()
        if raw != "":
            baseline[key] = raw
    if baseline:
        data["baseline"] = baseline
    diary = {}
    for key in ("block_at", "anaesthetic", "trial_days"):
        raw = post.get(f"diary.{key}", "").strip()
        if raw != "":
            diary[key] = raw
    if diary:
        data["diary"] = diary
    return data


def enroll_choices(user) -> dict:
    from ..models import Protocol

    clinics = list(clinics_with_perm(user=user, perm=ENROLL).order_by("name"))
    physicians = (
        ClinicMembership.objects.filter(clinic__in=clinics, role=Role.PHYSICIAN, is_active=True)
        .select_related("user", "clinic")
        .order_by("clinic__name", "user__last_name", "user__username")
    )
    return {
        "clinics": [(c.slug, c.name) for c in clinics],
        # The date picker's limit is the latest "today" among the user's clinics: the server's
        # UTC date would refuse today's procedure in a clinic east of UTC each morning. The
        # enrollment itself is still checked against the chosen clinic's own date.
        "today": max(
            (dt.datetime.now(zoneinfo.ZoneInfo(c.time_zone)).date() for c in clinics),
            default=timezone.localdate(),
        ),
        "physicians": [
            (
                m.user.get_username(),
                f"{m.user.get_full_name() or m.user.get_username()}"
                + (f" ({m.clinic.name})" if len(clinics) > 1 else ""),
            )
            for m in physicians
        ],
        "procedures": [
            (code, f"{code} · {name}")
            for code, name in Protocol.objects.filter(is_current=True)
            .order_by("code")
            .values_list("code", "name")
        ],
    }


def enroll_form_fields(post, errors: dict[str, list[str]], choices: dict) -> dict[str, list[dict]]:
    def v(name, default=""):
        return post.get(name, default) if post is not None else default

    def e(name):
        return errors.get(name, [])

    default_clinic = choices["clinics"][0][0] if len(choices["clinics"]) == 1 else ""
    procedure = [
        _field(
            "clinic",
            "Clinic",
            "select",
            v("clinic", default_clinic),
            required=True,
            options=choices["clinics"],
            errors=e("clinic"),
        ),
        _field(
            "procedure",
            "Procedure",
            "select",
            v("procedure"),
            required=True,
            options=choices["procedures"],
            errors=e("procedure"),
        ),
        _field(
            "performed_on",
            "Procedure date",
            "date",
            v("performed_on"),
            required=True,
            errors=e("performed_on"),
            max=choices["today"].isoformat(),
        ),
        _field(
            "physician",
            "Physician",
            "select",
            v("physician"),
            required=True,
            options=choices["physicians"],
            errors=e("physician"),
        ),
        _field(
            "levels", "Levels", "text", v("levels"), errors=e("levels"), help_text="e.g. L4-L5, T12"
        ),
        _field(
            "side",
            "Side",
            "select",
            v("side"),
            options=[(k, lab) for k, lab in Side.choices if k],
            errors=e("side"),
            blank_label="Not applicable",
        ),
    ]
    patient = [
        _field(
            f"patient.{name}",
            label,
            kind,
            v(f"patient.{name}"),
            required=required,
            errors=e(f"patient.{name}"),
            autocomplete=auto,
            help_text="E.164 or US format, e.g. (512) 555-0100" if name == "phone" else "",
        )
        for name, label, kind, required, auto in PATIENT_FIELDS
    ]
    tz_value = v("patient.time_zone", "America/Chicago")
    zones = list(TIME_ZONES)
    if tz_value and tz_value not in dict(zones):
        zones.append((tz_value, tz_value))
    patient += [
        _field(
            "patient.time_zone",
            "Patient's time zone",
            "select",
            tz_value,
            required=True,
            options=zones,
            errors=e("patient.time_zone"),
            help_text="Checks go out at the protocol's hour in this zone, never in quiet hours.",
        ),
        _field(
            "patient.language",
            "Language",
            "select",
            v("patient.language", Language.ENGLISH),
            required=True,
            options=Language.choices,
            errors=e("patient.language"),
        ),
        _field(
            "patient.preferred_channel",
            "Preferred channel",
            "select",
            v("patient.preferred_channel", Channel.SMS),
            required=True,
            options=Channel.choices,
            errors=e("patient.preferred_channel"),
        ),
    ]
    baseline = [
        _field(
            "baseline.pain",
            "Baseline pain (0-10)",
            "number",
            v("baseline.pain"),
            errors=e("baseline.pain"),
            min=0,
            max=10,
            step=1,
            help_text="Before the procedure. Left blank, the first survey asks for it.",
        ),
        _field(
            "baseline.odi",
            "Baseline ODI (%)",
            "number",
            v("baseline.odi"),
            errors=e("baseline.odi"),
            min=0,
            max=100,
            step="0.1",
        ),
        _field(
            "baseline.ndi",
            "Baseline NDI (%)",
            "number",
            v("baseline.ndi"),
            errors=e("baseline.ndi"),
            min=0,
            max=100,
            step="0.1",
            help_text="Neck Disability Index, for a cervical procedure.",
        ),
        _field(
            "baseline.back_pain",
            "Baseline back pain (0-10)",
            "number",
            v("baseline.back_pain"),
            errors=e("baseline.back_pain"),
            min=0,
            max=10,
            step=1,
        ),
        _field(
            "baseline.leg_pain",
            "Baseline leg pain (0-10)",
            "number",
            v("baseline.leg_pain"),
            errors=e("baseline.leg_pain"),
            min=0,
            max=10,
            step=1,
        ),
    ]
    return {
        "procedure": procedure,
        "patient": patient,
        "baseline": baseline,
        "diary": diary_form_fields(v, e),
    }


def diary_form_fields(v, e) -> list[dict]:
    """Block time + anaesthetic (FACET_SI, NERVE_BLOCK) or trial length (SCS): docs/instruments.md."""
    return [
        _field(
            "diary.block_at",
            "Block done at",
            "datetime-local",
            v("diary.block_at"),
            errors=e("diary.block_at"),
            help_text="Diagnostic blocks: the patient's local time. Starts the pain diary.",
        ),
        _field(
            "diary.anaesthetic",
            "Anaesthetic",
            "select",
            v("diary.anaesthetic"),
            options=[(k, a["label"]) for k, a in sorted(ANAESTHETICS.items())],
            errors=e("diary.anaesthetic"),
            blank_label="None",
        ),
        _field(
            "diary.trial_days",
            "Stimulator trial days (3-10)",
            "number",
            v("diary.trial_days"),
            errors=e("diary.trial_days"),
            min=3,
            max=10,
            step=1,
            help_text="SCS trials: a daily diary from the procedure date.",
        ),
    ]


def schedule_preview(
    *, procedure: str, performed_on: dt.date | None, tz_name: str, now: dt.datetime | None = None
) -> list[dict] | None:
    """When each check would go out if the patient were enrolled now; None if it cannot be told."""
    now = now or timezone.now()
    protocol = protocol_current(code=(procedure or "").strip().upper())
    if protocol is None or performed_on is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    rows = []
    for item in checkpoint_schedule(
        definition=protocol.definition, performed_on=performed_on, tz_name=tz_name
    ):
        if now >= item["closes_at"]:
            when, state = "", "Skipped: enrolled after its window closed"
        elif now >= item["send_at"]:
            when, state = "now", "Goes out at once (enrolled late), outside quiet hours"
        else:
            when, state = (
                item["send_at"].astimezone(zone).strftime("%a %d %b %Y, %H:%M"),
                "Scheduled",
            )
        rows.append({**item, "when": when, "state": state, "skipped": now >= item["closes_at"]})
    return rows


def enroll_date(raw: str) -> dt.date | None:
    try:
        return parse_date(raw.strip())
    except ValueError:
        return None
