from django.dispatch import Signal

# Sent when a message will not be delivered (permanent error or retries exhausted) so the owning
# feature can react: mark the patient unreachable, fall back to email, move a page up the chain.
# Arguments: ``message`` (the OutboundMessage row), ``permanent`` (retrying cannot help) and
# ``reason``: one of the FAILURE_* values below, or "" - what the failure says about the recipient,
# in words of our own, so receivers never read a provider's error codes (the backend maps them).
outbound_failed = Signal()

FAILURE_OPTED_OUT = "opted_out"  # the handset sent STOP to our number: the carrier blocks us
FAILURE_INVALID_NUMBER = "invalid_number"  # the number can never receive our texts
