"""When diary prompts go out: pure functions over aware datetimes, no database.

Block diary: pain 0-10 at the anaesthetic's prompt hours after the block (30 min, 1, 2, 4 h for
lidocaine; up to 8 h for bupivacaine). A prompt that falls in the clinic's quiet hours, in the
patient's own zone, is not sent at night: the prompts that fall there are merged into one *recall*
prompt at the end of the quiet period ("how was your pain at bedtime / when did relief wear off"),
marked so staff and the relief rules know those readings were recalled, not live.

Answers are accepted late: an answer is attached to the latest prompt sent before it (until
``LATE_ANSWER_HOURS`` after that prompt) and carries the time it was actually given, so relief is
computed at the moment the patient reported it, never at the scheduled time.

SCS trial diary: one evening prompt per trial day (pain, percent relief, function, medication
change), 3 to 10 days, at ``SCS_DIARY_HOUR`` local time unless that is in quiet hours.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from followup.scheduling import in_quiet_hours, local_datetime, next_allowed_time

from .anaesthetics import anaesthetic

DEFAULT_QUIET_START = dt.time(21, 0)
DEFAULT_QUIET_END = dt.time(8, 0)
# A prompt still takes an answer this long after it went out (project rule: long enough for the
# patient who fell asleep after the 4 h prompt to answer at breakfast).
LATE_ANSWER_HOURS = 14
SCS_DIARY_HOUR = dt.time(19, 0)  # rate the day in the evening, before quiet hours
SCS_TRIAL_DAYS = (3, 10)  # usual trial length (DOMAIN.md "Documented relief")
SCS_DIARY_ITEMS = ("PAIN_NOW", "RELIEF_PERCENT", "FUNCTION", "MEDS_CHANGE")


@dataclass(frozen=True)
class DiaryPrompt:
    key: str  # "h0.5", "h1", ... or "recall"; "day1" ... for the SCS diary
    due_at: dt.datetime  # when the reading is wanted (UTC)
    send_at: dt.datetime  # when the text may go out (UTC): after quiet hours
    covers: tuple[str, ...]  # the scheduled keys this prompt asks about
    recall: bool = False  # asked after quiet hours about earlier times

    @property
    def accept_until(self) -> dt.datetime:
        return self.send_at + dt.timedelta(hours=LATE_ANSWER_HOURS)


def _zone(tz_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz_name!r}") from None


def _aware(moment: dt.datetime, what: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment.astimezone(dt.UTC)


def _hours_key(hours: Decimal) -> str:
    return f"h{hours.normalize():f}"


def block_diary_prompts(
    *,
    block_at: dt.datetime,
    anaesthetic_name: str,
    tz_name: str,
    quiet_start: dt.time = DEFAULT_QUIET_START,
    quiet_end: dt.time = DEFAULT_QUIET_END,
) -> list[DiaryPrompt]:
    """The pain prompts after a diagnostic block done at ``block_at`` (aware)."""
    start = _aware(block_at, "block_at")
    _zone(tz_name)
    agent = anaesthetic(anaesthetic_name)
    live: list[DiaryPrompt] = []
    night: list[tuple[str, dt.datetime]] = []
    for hours in agent["prompt_hours"]:
        due = start + dt.timedelta(seconds=float(hours) * 3600)
        key = _hours_key(hours)
        if in_quiet_hours(due, tz_name=tz_name, start=quiet_start, end=quiet_end):
            night.append((key, due))
        else:
            live.append(DiaryPrompt(key=key, due_at=due, send_at=due, covers=(key,)))
    if night:
        first_due = night[0][1]
        send = next_allowed_time(first_due, tz_name=tz_name, start=quiet_start, end=quiet_end)
        live.append(
            DiaryPrompt(
                key="recall",
                due_at=first_due,
                send_at=send,
                covers=tuple(k for k, _ in night),
                recall=True,
            )
        )
    return sorted(live, key=lambda p: (p.send_at, p.key))


def prompt_for_answer(
    prompts: Sequence[DiaryPrompt], *, answered_at: dt.datetime, answered: Sequence[str] = ()
) -> DiaryPrompt | None:
    """The prompt an answer given at ``answered_at`` belongs to: the latest one already sent and
    not yet answered whose late-answer window is still open; None if there is none (the text is
    then handled as ordinary free text)."""
    at = _aware(answered_at, "answered_at")
    open_prompts = [
        p for p in prompts if p.send_at <= at <= p.accept_until and p.key not in answered
    ]
    return max(open_prompts, key=lambda p: p.send_at) if open_prompts else None


def is_late(prompt: DiaryPrompt, prompts: Sequence[DiaryPrompt], answered_at: dt.datetime) -> bool:
    """True when the answer came after the next prompt went out (it still counts, at its own time)."""
    at = _aware(answered_at, "answered_at")
    later = [p.send_at for p in prompts if p.send_at > prompt.send_at]
    return bool(later) and at >= min(later)


def scs_trial_diary_prompts(
    *,
    trial_start: dt.date,
    trial_days: int,
    tz_name: str,
    at: dt.time = SCS_DIARY_HOUR,
    quiet_start: dt.time = DEFAULT_QUIET_START,
    quiet_end: dt.time = DEFAULT_QUIET_END,
) -> list[DiaryPrompt]:
    """One evening diary prompt per trial day, day 1 being the day the trial leads went in."""
    low, high = SCS_TRIAL_DAYS
    if isinstance(trial_days, bool) or not isinstance(trial_days, int):
        raise ValueError("trial_days must be an integer")
    if not low <= trial_days <= high:
        raise ValueError(f"an SCS trial diary runs {low} to {high} days, not {trial_days}")
    _zone(tz_name)
    prompts = []
    for day in range(1, trial_days + 1):
        local_day = trial_start + dt.timedelta(days=day - 1)
        due = local_datetime(local_day, at, tz_name)
        send = next_allowed_time(due, tz_name=tz_name, start=quiet_start, end=quiet_end)
        prompts.append(
            DiaryPrompt(
                key=f"day{day}", due_at=due, send_at=send, covers=SCS_DIARY_ITEMS, recall=False
            )
        )
    return prompts
