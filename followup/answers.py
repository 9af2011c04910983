"""The one writer of answers, for the SMS conversation and the web form alike."""

from __future__ import annotations

import datetime as dt

from .instruments.registry import instrument_for
from .models import Answer, Checkpoint

_ANSWER_KEY = ["checkpoint", "question_code"]
_ANSWER_UPDATE_FIELDS = [
    field.name
    for field in Answer._meta.concrete_fields
    if not field.primary_key and field.name not in _ANSWER_KEY
]


def answer_write(
    *,
    checkpoint: Checkpoint,
    code: str,
    raw: str,
    value,
    status: str,
    attempts: int,
    now: dt.datetime,
    inbound_message_id: int | None = None,
) -> None:
    """Store the answer to one question of a check, replacing an earlier one to it.

    ``Answer.instrument`` is the registry's code for the question (``instrument_for``), decided
    here and nowhere else, so an SMS answer and a web-form answer to the same item carry the same
    label (before, SMS answers carried the question's type and the web form its own names).

    One INSERT ... ON CONFLICT DO UPDATE: update_or_create spends six statements on a new
    answer (two savepoints, a locking SELECT, the INSERT, two releases), and nearly every answer
    is new. Callers hold the check's row lock, so no other answer to it is written meanwhile; a
    second answer to a question replaces every column of the first but the key."""
    Answer.objects.bulk_create(
        [
            Answer(
                checkpoint=checkpoint,
                question_code=code,
                instrument=instrument_for(code),
                raw_text=raw,
                value=value,
                status=status,
                attempts=attempts,
                answered_at=now,
                inbound_message_id=inbound_message_id,
            )
        ],
        update_conflicts=True,
        unique_fields=_ANSWER_KEY,
        update_fields=_ANSWER_UPDATE_FIELDS,
    )
