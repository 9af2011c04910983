from .enrollments import Checkpoint, CheckpointStatus, Enrollment, EnrollmentStatus
from .escalations import (
    Escalation,
    EscalationChain,
    EscalationStatus,
    Flag,
    OnCallShift,
    Outcome,
    Page,
    Tier,
    TimelineEvent,
)
from .protocols import Protocol
from .surveys import Answer, AnswerStatus, Score

__all__ = [
    "Answer",
    "AnswerStatus",
    "Checkpoint",
    "CheckpointStatus",
    "Enrollment",
    "EnrollmentStatus",
    "Escalation",
    "EscalationChain",
    "EscalationStatus",
    "Flag",
    "OnCallShift",
    "Outcome",
    "Page",
    "Protocol",
    "Score",
    "Tier",
    "TimelineEvent",
]
