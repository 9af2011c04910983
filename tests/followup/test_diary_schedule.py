"""Diary schedules: block prompts per anaesthetic, in the patient's zone, around quiet hours, with
late answers; the SCS trial daily diary."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from followup.diaries.schedule import (
    LATE_ANSWER_HOURS,
    SCS_DIARY_ITEMS,
    block_diary_prompts,
    is_late,
    prompt_for_answer,
    scs_trial_diary_prompts,
)

CHICAGO = "America/Chicago"
KOLKATA = "Asia/Kolkata"  # UTC+05:30, east of UTC with a half-hour offset


def local(tz: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(tz))


def wall(moment: dt.datetime, tz: str) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(tz)).strftime("%m-%d %H:%M")


def test_a_morning_bupivacaine_block_gets_six_prompts_on_time():
    prompts = block_diary_prompts(
        block_at=local(CHICAGO, 2026, 3, 10, 9, 0), anaesthetic_name="bupivacaine", tz_name=CHICAGO
    )
    assert [p.key for p in prompts] == ["h0.5", "h1", "h2", "h4", "h6", "h8"]
    assert [wall(p.send_at, CHICAGO) for p in prompts] == [
        "03-10 09:30",
        "03-10 10:00",
        "03-10 11:00",
        "03-10 13:00",
        "03-10 15:00",
        "03-10 17:00",
    ]
    assert not any(p.recall for p in prompts)
    assert all(p.send_at.tzinfo == dt.UTC for p in prompts)


def test_lidocaine_prompts_stop_at_4_hours():
    prompts = block_diary_prompts(
        block_at=local(CHICAGO, 2026, 3, 10, 9, 0), anaesthetic_name="Lidocaine", tz_name=CHICAGO
    )
    assert [p.key for p in prompts] == ["h0.5", "h1", "h2", "h4"]


def test_a_block_at_17_00_sends_the_evening_prompts_and_one_recall_after_quiet_hours():
    prompts = block_diary_prompts(
        block_at=local(CHICAGO, 2026, 3, 10, 17, 0),
        anaesthetic_name="bupivacaine",
        tz_name=CHICAGO,
    )
    assert [(p.key, wall(p.send_at, CHICAGO)) for p in prompts] == [
        ("h0.5", "03-10 17:30"),
        ("h1", "03-10 18:00"),
        ("h2", "03-10 19:00"),
        ("recall", "03-11 08:00"),
    ]
    recall = prompts[-1]
    assert recall.recall and recall.covers == ("h4", "h6", "h8")
    assert wall(recall.due_at, CHICAGO) == "03-10 21:00"  # the first reading it stands for


def test_quiet_hours_are_the_patients_not_the_clinics():
    # 17:00 in Chicago (UTC-5 in March) is 03:30 the next morning in Kolkata: the patient sleeps.
    block = local(CHICAGO, 2026, 3, 10, 17, 0)
    prompts = block_diary_prompts(block_at=block, anaesthetic_name="bupivacaine", tz_name=KOLKATA)
    assert [(p.key, wall(p.send_at, KOLKATA)) for p in prompts] == [
        ("recall", "03-11 08:00"),
        ("h6", "03-11 09:30"),
        ("h8", "03-11 11:30"),
    ]
    assert prompts[0].covers == ("h0.5", "h1", "h2", "h4")


def test_a_clinic_can_set_its_own_quiet_hours():
    prompts = block_diary_prompts(
        block_at=local(CHICAGO, 2026, 3, 10, 17, 0),
        anaesthetic_name="bupivacaine",
        tz_name=CHICAGO,
        quiet_start=dt.time(23, 0),
        quiet_end=dt.time(7, 0),
    )
    assert [p.key for p in prompts] == ["h0.5", "h1", "h2", "h4", "recall"]
    assert (
        prompts[-1].covers == ("h6", "h8") and wall(prompts[-1].send_at, CHICAGO) == "03-11 07:00"
    )


def test_prompts_keep_elapsed_hours_across_a_dst_change():
    # 8 March 2026, Chicago's clocks jump from 02:00 to 03:00; a block at 00:30 with no quiet
    # hours set (start == end): the 2 h prompt is two real hours later, 03:30 on the wall clock.
    block = local(CHICAGO, 2026, 3, 8, 0, 30)
    prompts = block_diary_prompts(
        block_at=block,
        anaesthetic_name="lidocaine",
        tz_name=CHICAGO,
        quiet_start=dt.time(0, 0),
        quiet_end=dt.time(0, 0),
    )
    assert [wall(p.send_at, CHICAGO) for p in prompts] == [
        "03-08 01:00",
        "03-08 01:30",
        "03-08 03:30",
        "03-08 05:30",
    ]
    assert prompts[2].send_at - block == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"block_at": dt.datetime(2026, 3, 10, 17, 0), "anaesthetic_name": "lidocaine"},
        {"block_at": local(CHICAGO, 2026, 3, 10, 17), "anaesthetic_name": "procaine"},
        {
            "block_at": local(CHICAGO, 2026, 3, 10, 17),
            "anaesthetic_name": "lidocaine",
            "tz_name": "Mars/Base",
        },
    ],
)
def test_it_refuses_naive_times_unknown_agents_and_zones(kwargs):
    kwargs.setdefault("tz_name", CHICAGO)
    with pytest.raises(ValueError):
        block_diary_prompts(**kwargs)


# --- late answers ---------------------------------------------------------------------------------


@pytest.fixture
def evening():
    return block_diary_prompts(
        block_at=local(CHICAGO, 2026, 3, 10, 17, 0),
        anaesthetic_name="bupivacaine",
        tz_name=CHICAGO,
    )


def test_an_answer_goes_to_the_latest_prompt_already_sent(evening):
    got = prompt_for_answer(evening, answered_at=local(CHICAGO, 2026, 3, 10, 18, 5))
    assert got.key == "h1"
    assert not is_late(got, evening, local(CHICAGO, 2026, 3, 10, 18, 5))


def test_a_late_answer_still_counts_and_is_marked_late(evening):
    # The 18:00 prompt answered at 19:20, after the 19:00 prompt, which was answered already.
    moment = local(CHICAGO, 2026, 3, 10, 19, 20)
    got = prompt_for_answer(evening, answered_at=moment, answered=["h2"])
    assert got.key == "h1" and is_late(got, evening, moment)


def test_the_recall_prompt_takes_the_answer_at_breakfast(evening):
    got = prompt_for_answer(evening, answered_at=local(CHICAGO, 2026, 3, 11, 8, 40))
    assert got.key == "recall" and got.covers == ("h4", "h6", "h8")


def test_an_answer_after_every_window_closed_belongs_to_no_prompt(evening):
    too_late = evening[-1].send_at + dt.timedelta(hours=LATE_ANSWER_HOURS, minutes=1)
    assert prompt_for_answer(evening, answered_at=too_late) is None
    before = local(CHICAGO, 2026, 3, 10, 17, 10)
    assert prompt_for_answer(evening, answered_at=before) is None


# --- SCS trial diary --------------------------------------------------------------------------------


def test_the_scs_trial_diary_asks_every_evening_of_the_trial():
    prompts = scs_trial_diary_prompts(
        trial_start=dt.date(2026, 3, 6), trial_days=5, tz_name=CHICAGO
    )
    assert [(p.key, wall(p.send_at, CHICAGO)) for p in prompts] == [
        ("day1", "03-06 19:00"),
        ("day2", "03-07 19:00"),
        ("day3", "03-08 19:00"),  # the DST day keeps 19:00 local
        ("day4", "03-09 19:00"),
        ("day5", "03-10 19:00"),
    ]
    assert all(p.covers == SCS_DIARY_ITEMS for p in prompts)
    assert SCS_DIARY_ITEMS == ("PAIN_NOW", "RELIEF_PERCENT", "FUNCTION", "MEDS_CHANGE")


def test_the_scs_diary_moves_out_of_quiet_hours():
    prompts = scs_trial_diary_prompts(
        trial_start=dt.date(2026, 3, 6),
        trial_days=3,
        tz_name=KOLKATA,
        at=dt.time(22, 0),
    )
    assert [wall(p.send_at, KOLKATA) for p in prompts] == [
        "03-07 08:00",
        "03-08 08:00",
        "03-09 08:00",
    ]


@pytest.mark.parametrize("days", [2, 11, 0, True, 4.5])
def test_the_scs_diary_refuses_trials_outside_3_to_10_days(days):
    with pytest.raises(ValueError):
        scs_trial_diary_prompts(trial_start=dt.date(2026, 3, 6), trial_days=days, tz_name=CHICAGO)
