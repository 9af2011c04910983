from .diaries import DiaryEntry, DiaryKind  # noqa: F401
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
from .outcomes import OutcomeReport  # noqa: F401
from .protocols import Protocol
from .safety_screens import (  # noqa: F401
    SafetyScreenRequest,
    SafetyScreenStatus,
    ShadowDisagreement,
    TextLabel,
    TextLabelTier,
)
from .survey_state import FormDraft, FormLink, SenderPrompt, SenderPromptStatus  # noqa: F401
from .surveys import Answer, AnswerStatus, Score
from .worklists import CallOutcome, Worklist, WorklistCall  # noqa: F401

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
