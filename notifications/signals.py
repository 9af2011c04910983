from django.dispatch import Signal

# Sent when a message will not be delivered (permanent error or retries exhausted) so the owning
# feature can react: mark the patient unreachable, fall back to email, move a page up the chain.
outbound_failed = Signal()
