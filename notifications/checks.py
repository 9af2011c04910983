"""System checks for the messaging settings (``manage.py check``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register("notifications")
def check_outbox_timeouts(app_configs=None, **kwargs) -> list[Error]:
    errors: list[Error] = []
    # A send that can outlast the recovery timeout could be reconciled (not found in Twilio's
    # log yet) and resent while its request is still on its way: a double text. A claimed row
    # may wait for a rate-limit token first, and connect and read timeouts apply separately, so
    # one send can take the pacing wait plus twice the Twilio timeout.
    pacing = getattr(settings, "SMS_RATE_LIMIT_MAX_WAIT_SECONDS", 0) or 0
    needed = pacing + 2 * settings.TWILIO_TIMEOUT_SECONDS + 1
    if needed >= settings.OUTBOX_SENDING_TIMEOUT_SECONDS:
        errors.append(
            Error(
                f"OUTBOX_SENDING_TIMEOUT_SECONDS ({settings.OUTBOX_SENDING_TIMEOUT_SECONDS}) must "
                "exceed SMS_RATE_LIMIT_MAX_WAIT_SECONDS + 2 x TWILIO_TIMEOUT_SECONDS + 1 s "
                f"({needed:g}).",
                hint="A send still in flight must never be taken for a lost one.",
                id="notifications.E001",
            )
        )
    return errors
