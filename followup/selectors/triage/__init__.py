"""Reads for the staff triage workspace: the queue, a patient's whole story, the worklists.

Every function takes the user and only ever returns rows of the clinics where their role lets
them see patients (:data:`patients.permissions.VIEW_PATIENT`); a lookup by id outside them is a
404, the same answer as for an id that does not exist.
"""

from .access import (
    escalation_get,
    escalations_visible,
    patient_get,
    patients_visible,
    visible_clinics,
)
from .queue import (
    QUEUE_LIMIT,
    RESOLVED_WINDOW,
    STATUS_CHOICES,
    QueueFilters,
    QueueRow,
    queue_choices,
    queue_signature,
    triage_queue,
)
from .timeline import (
    EnrollmentView,
    EscalationView,
    FeedItem,
    PatientTimeline,
    Trend,
    patient_timeline,
)
from .worklists import WORKLIST_TITLES, WorklistItem, worklist_item_get, worklist_items

__all__ = [
    "QUEUE_LIMIT",
    "RESOLVED_WINDOW",
    "STATUS_CHOICES",
    "WORKLIST_TITLES",
    "EnrollmentView",
    "EscalationView",
    "FeedItem",
    "PatientTimeline",
    "QueueFilters",
    "QueueRow",
    "Trend",
    "WorklistItem",
    "escalation_get",
    "escalations_visible",
    "patient_get",
    "patients_visible",
    "patient_timeline",
    "queue_choices",
    "queue_signature",
    "triage_queue",
    "visible_clinics",
    "worklist_item_get",
    "worklist_items",
]
