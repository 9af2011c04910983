"""Signals other apps may receive when a follow-up result comes into being.

Both are sent INSIDE the transaction that makes the change (Django signals are synchronous), so a
receiver that writes rows (e.g. the EHR write-back outbox in ``integrations``) writes them in that
same transaction: if the change rolls back, so do they. Receivers must therefore be quick, must not
do network I/O, and must not swallow database errors. ``followup`` imports nothing of its
receivers; they connect in their own ``AppConfig.ready``.

- ``check_completed(sender=Checkpoint, checkpoint=<Checkpoint>)``: at the end of
  ``followup.conversation.finishing.checkpoint_complete`` (SMS conversation, EMERGENCY stop and the
  web form's submit all go through it). The checkpoint may not be saved yet when ``save=False``
  (the conversation saves it right after, in the same transaction); its pk exists.
- ``flag_raised(sender=Flag, flag=<Flag>)``: at the end of ``followup.flags.flag_create``, the one
  way a red flag is created.
"""

from __future__ import annotations

from django.dispatch import Signal

check_completed = Signal()
flag_raised = Signal()
