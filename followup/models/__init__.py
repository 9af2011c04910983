from .enrollments import Checkpoint, CheckpointStatus, Enrollment, EnrollmentStatus
from .protocols import Protocol
from .surveys import Answer, AnswerStatus, Score

__all__ = [
    "Answer",
    "AnswerStatus",
    "Checkpoint",
    "CheckpointStatus",
    "Enrollment",
    "EnrollmentStatus",
    "Protocol",
    "Score",
]
