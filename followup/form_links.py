"""Secret, expiring, single-check links to the web form.

A link is ``{PUBLIC_BASE_URL}/f/<token>/`` where the token is 144 random bits. Only its SHA-256 is
stored (``FormLink.token_hash``): the URL names nothing (no patient, no check id, no PHI) and a
database leak yields no working link. A link works for one check only, until the check's window
closes (and never longer than ``FORM_LINK_MAX_DAYS``), and stops working once the form is sent.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from .models import Checkpoint, CheckpointStatus, FormLink

FORM_LINK_MAX_DAYS = 45
_TOKEN_BYTES = 18  # 24 URL-safe characters: short enough for one SMS segment with its question
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class LinkState(enum.Enum):
    VALID = "valid"
    UNKNOWN = "unknown"  # forged, mistyped or truncated
    EXPIRED = "expired"  # past its time, or the check closed
    USED = "used"  # the form was already sent


@dataclass(frozen=True)
class LinkCheck:
    state: LinkState
    link: FormLink | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def form_link_create(*, checkpoint: Checkpoint, now: dt.datetime | None = None) -> str:
    """Store a new link for ``checkpoint`` and return its full URL (the only place the token exists)."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    expires = min(checkpoint.closes_at, now + dt.timedelta(days=FORM_LINK_MAX_DAYS))
    FormLink.objects.create(
        checkpoint=checkpoint, token_hash=token_hash(token), created_at=now, expires_at=expires
    )
    return f"{settings.PUBLIC_BASE_URL}/f/{token}/"


def form_link_check(*, token: str, now: dt.datetime | None = None) -> LinkCheck:
    """What a presented token is worth. Never raises on patient input."""
    now = now or timezone.now()
    if not isinstance(token, str) or not _TOKEN_SHAPE.match(token):
        return LinkCheck(LinkState.UNKNOWN)
    link = (
        FormLink.objects.select_related(
            "checkpoint__enrollment__patient", "checkpoint__enrollment__clinic"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        return LinkCheck(LinkState.UNKNOWN)
    checkpoint = link.checkpoint
    draft = getattr(
        checkpoint, "form_draft", None
    )  # RelatedObjectDoesNotExist is an AttributeError
    if link.used_at is not None or (draft is not None and draft.submitted_at is not None):
        return LinkCheck(LinkState.USED, link)
    if checkpoint.status == CheckpointStatus.COMPLETED:
        return LinkCheck(LinkState.USED, link)
    if (
        link.expires_at <= now
        or checkpoint.status != CheckpointStatus.OPEN
        or checkpoint.closes_at <= now
    ):
        return LinkCheck(LinkState.EXPIRED, link)
    return LinkCheck(LinkState.VALID, link)
