"""Closed days, wall clock <-> UTC across DST, and which weekly summary a step belongs to."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import (
    ClosedDays,
    current_week,
    is_week_closed,
    last_closed_week,
    local_date,
    local_datetime,
    local_time,
    local_to_utc,
    night_seal_due,
    public_holiday,
    week_closes_at,
    week_of,
)
from domain.model import Break, DateRange, Pause

OSLO = "Europe/Oslo"
FRIDAY = 4
NO_DEADLINE = settings(
    deadline=None
)  # holiday tables are built on first use; no timing in unit tests

days_2026_2027 = st.dates(date(2026, 1, 1), date(2027, 12, 31))
minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))
instants_2026_2027 = st.datetimes(
    datetime(2026, 1, 1), datetime(2027, 12, 31, 23, 59), timezones=st.just(UTC)
)
WINTER_BREAK_2027 = Break("Vinterferie", DateRange(date(2027, 3, 1), date(2027, 3, 5)))  # week 9


# Closed days


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2027, 1, 1), "holiday: Første nyttårsdag"),
        (date(2027, 3, 25), "holiday: Skjærtorsdag"),
        (date(2027, 3, 26), "holiday: Langfredag"),
        (date(2027, 3, 29), "holiday: Andre påskedag"),
        (date(2027, 5, 6), "holiday: Kristi himmelfartsdag"),
        (date(2026, 5, 1), "holiday: Arbeidernes dag"),
        (date(2026, 5, 25), "holiday: Andre pinsedag"),
        (date(2026, 12, 25), "holiday: Første juledag"),
        (date(2026, 12, 26), "holiday: Andre juledag"),
    ],
)
def test_norwegian_public_holidays_are_closed_with_their_name(day: date, reason: str) -> None:
    assert ClosedDays().reason(day) == reason
    assert ClosedDays().is_closed(day)


def test_17_may_2027_is_closed_on_its_monday() -> None:
    reason = ClosedDays().reason(date(2027, 5, 17))
    assert reason is not None and "Grunnlovsdag" in reason


@pytest.mark.parametrize(
    "sunday",
    [date(2027, 3, 28), date(2027, 5, 16), date(2026, 5, 17), date(2027, 12, 26)],
    ids=["easter-sunday", "whit-sunday", "17-may-on-sunday", "boxing-day-on-sunday"],
)
def test_a_sunday_is_never_a_holiday_only_a_weekday(sunday: date) -> None:
    assert public_holiday(sunday) is None
    assert not ClosedDays().is_closed(sunday)


@given(days_2026_2027)
@NO_DEADLINE
def test_no_sunday_is_ever_a_holiday(day: date) -> None:
    sunday = day + timedelta(days=6 - day.weekday())
    assert public_holiday(sunday) is None


def test_ordinary_weekdays_around_easter_stay_open() -> None:
    closed = ClosedDays()
    assert not closed.is_closed(date(2027, 3, 24))  # Wednesday before Maundy Thursday
    assert not closed.is_closed(date(2027, 3, 30))  # Tuesday after Easter Monday


def test_a_break_closes_its_days_both_ends_included() -> None:
    closed = ClosedDays(breaks=(WINTER_BREAK_2027,))
    assert closed.reason(date(2027, 3, 1)) == "break: Vinterferie"
    assert closed.reason(date(2027, 3, 5)) == "break: Vinterferie"
    assert not closed.is_closed(date(2027, 2, 26))
    assert not closed.is_closed(date(2027, 3, 8))


def test_a_holiday_inside_a_break_is_reported_as_the_holiday() -> None:
    easter_break = Break("Påskeferie", DateRange(date(2027, 3, 22), date(2027, 3, 29)))
    closed = ClosedDays(breaks=(easter_break,))
    assert closed.reason(date(2027, 3, 26)) == "holiday: Langfredag"
    assert closed.reason(date(2027, 3, 23)) == "break: Påskeferie"


def test_a_pause_closes_its_days_and_an_open_one_closes_everything_after() -> None:
    closed = ClosedDays(pauses=(Pause(date(2027, 2, 1), date(2027, 2, 3)), Pause(date(2027, 9, 1))))
    assert closed.reason(date(2027, 2, 2)) == "paused"
    assert not closed.is_closed(date(2027, 2, 4))
    assert not closed.is_closed(date(2027, 8, 31))
    assert closed.reason(date(2027, 9, 1)) == "paused"
    assert closed.reason(date(2030, 6, 3)) == "paused"
    assert closed.open_ended_from() == date(2027, 9, 1)
    assert ClosedDays(pauses=(Pause(date(2027, 2, 1), date(2027, 2, 3)),)).open_ended_from() is None


# Wall clock <-> UTC


def test_0800_oslo_is_0800_local_on_both_sides_of_every_dst_change_in_2026_and_2027() -> None:
    day = date(2026, 1, 1)
    while day <= date(2027, 12, 31):
        instant = local_to_utc(day, time(8, 0), OSLO)
        assert instant.tzinfo is not None and instant.utcoffset() == timedelta(0)
        assert local_datetime(instant, OSLO) == datetime.combine(day, time(8, 0)), day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [
        (date(2026, 3, 28), 7),
        (date(2026, 3, 29), 6),
        (date(2026, 10, 24), 6),
        (date(2026, 10, 25), 7),
        (date(2027, 3, 27), 7),
        (date(2027, 3, 28), 6),
        (date(2027, 10, 30), 6),
        (date(2027, 10, 31), 7),
    ],
)
def test_the_utc_hour_of_0800_oslo_follows_summer_time(day: date, utc_hour: int) -> None:
    assert local_to_utc(day, time(8, 0), OSLO) == datetime.combine(day, time(utc_hour), UTC)


@pytest.mark.parametrize("spring_forward", [date(2026, 3, 29), date(2027, 3, 28)])
def test_a_wall_time_skipped_in_spring_moves_forward_to_when_the_clock_resumes(
    spring_forward: date,
) -> None:
    instant = local_to_utc(spring_forward, time(2, 30), OSLO)
    assert instant == datetime.combine(spring_forward, time(1, 0), UTC)
    assert local_datetime(instant, OSLO) == datetime.combine(spring_forward, time(3, 0))


@pytest.mark.parametrize("fall_back", [date(2026, 10, 25), date(2027, 10, 31)])
def test_a_wall_time_repeated_in_autumn_takes_its_first_occurrence(fall_back: date) -> None:
    assert local_to_utc(fall_back, time(2, 30), OSLO) == datetime.combine(
        fall_back, time(0, 30), UTC
    )


@given(
    day=days_2026_2027,
    at=minutes,
    tz=st.sampled_from([OSLO, "America/New_York", "Australia/Lord_Howe", "UTC"]),
)
@NO_DEADLINE
def test_local_to_utc_is_the_first_instant_the_local_clock_reaches_the_wall_time(
    day: date, at: time, tz: str
) -> None:
    wall = datetime.combine(day, at)
    instant = local_to_utc(day, at, tz)
    assert local_datetime(instant, tz) >= wall
    assert local_datetime(instant - timedelta(seconds=1), tz) < wall


def test_local_date_and_time_read_the_wall_clock_of_the_zone() -> None:
    midsummer_night = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert local_date(midsummer_night, OSLO) == date(2026, 7, 1)
    assert local_time(midsummer_night, OSLO) == time(1, 30)


def test_naive_instants_and_zoned_wall_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        local_date(datetime(2026, 6, 30, 23, 30), OSLO)
    with pytest.raises(ValueError, match="time zone"):
        local_to_utc(date(2026, 6, 30), time(8, tzinfo=UTC), OSLO)


# Weeks


@pytest.mark.parametrize(
    ("sent", "week"),
    [
        (datetime(2026, 11, 16, 0, 0), date(2026, 11, 16)),  # Monday midnight
        (datetime(2026, 11, 20, 8, 0), date(2026, 11, 16)),  # Friday morning: this week
        (datetime(2026, 11, 20, 13, 59), date(2026, 11, 16)),
        (datetime(2026, 11, 20, 14, 0), date(2026, 11, 23)),  # at the summary: next week
        (datetime(2026, 11, 20, 15, 0), date(2026, 11, 23)),
        (datetime(2026, 11, 21, 9, 0), date(2026, 11, 23)),  # Saturday
        (datetime(2026, 11, 22, 23, 59), date(2026, 11, 23)),  # Sunday
    ],
)
def test_a_step_belongs_to_the_first_summary_strictly_after_it(sent: datetime, week: date) -> None:
    assert week_of(sent, FRIDAY, time(14, 0)) == week


def test_a_monday_summary_collects_the_weekend_into_the_week_before() -> None:
    assert week_of(datetime(2026, 11, 21, 9, 0), 0, time(9, 0)) == date(2026, 11, 23)
    assert week_of(datetime(2026, 11, 23, 8, 0), 0, time(9, 0)) == date(2026, 11, 23)
    assert week_of(datetime(2026, 11, 23, 10, 0), 0, time(9, 0)) == date(2026, 11, 30)


def test_week_closes_at_the_local_summary_moment_in_summer_and_winter() -> None:
    summer = week_closes_at(date(2026, 10, 19), FRIDAY, time(14, 0), OSLO)
    winter = week_closes_at(date(2026, 10, 26), FRIDAY, time(14, 0), OSLO)
    assert summer == datetime(2026, 10, 23, 12, 0, tzinfo=UTC)
    assert winter == datetime(2026, 10, 30, 13, 0, tzinfo=UTC)


def test_a_week_is_closed_from_its_summary_moment_on() -> None:
    monday = date(2026, 11, 16)
    close = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    assert not is_week_closed(monday, close - timedelta(seconds=1), FRIDAY, time(14, 0), OSLO)
    assert is_week_closed(monday, close, FRIDAY, time(14, 0), OSLO)


def test_on_sunday_22_november_2026_the_open_week_is_the_next_one() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    assert current_week(now, FRIDAY, time(14, 0), OSLO) == date(2026, 11, 23)
    assert last_closed_week(now, FRIDAY, time(14, 0), OSLO) == date(2026, 11, 16)


def test_a_week_must_be_named_by_its_monday_and_a_weekday_by_0_to_6() -> None:
    with pytest.raises(ValueError, match="Monday"):
        week_closes_at(date(2026, 11, 17), FRIDAY, time(14, 0), OSLO)
    with pytest.raises(ValueError, match="weekday"):
        week_of(datetime(2026, 11, 17, 8, 0), 7, time(14, 0))


# Outside 02:00-03:00 the wall clock is unambiguous in Oslo, so wall and UTC views must agree.
summary_times = st.builds(time, st.integers(4, 23), st.integers(0, 59))


@given(now=instants_2026_2027, weekday=st.integers(0, 6), at=summary_times)
@NO_DEADLINE
def test_the_open_week_agrees_with_the_week_a_step_sent_now_would_join(
    now: datetime, weekday: int, at: time
) -> None:
    week = current_week(now, weekday, at, OSLO)
    assert week.weekday() == 0
    assert week_of(local_datetime(now, OSLO), weekday, at) == week
    assert not is_week_closed(week, now, weekday, at, OSLO)
    assert is_week_closed(week - timedelta(days=7), now, weekday, at, OSLO)
    assert last_closed_week(now, weekday, at, OSLO) == week - timedelta(days=7)


@given(sent=st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31)), weekday=st.integers(0, 6))
@NO_DEADLINE
def test_a_step_is_sent_after_last_weeks_summary_and_before_its_own(
    sent: datetime, weekday: int
) -> None:
    week = week_of(sent, weekday, time(14, 0))
    own_summary = datetime.combine(week + timedelta(days=weekday), time(14, 0))
    assert own_summary - timedelta(days=7) <= sent < own_summary


def test_the_night_seal_runs_once_a_local_night_from_three_oclock() -> None:
    oslo = "Europe/Oslo"
    before_three = datetime(2026, 11, 25, 1, 59, tzinfo=UTC)  # 02:59 in Oslo
    at_three = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
    assert not night_seal_due(before_three, oslo, None)
    assert night_seal_due(at_three, oslo, None)
    assert night_seal_due(at_three, oslo, date(2026, 11, 24))  # yesterday's seal
    assert not night_seal_due(at_three, oslo, date(2026, 11, 25))  # sealed tonight already
    late_evening = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Oslo, same day
    assert not night_seal_due(late_evening, oslo, date(2026, 11, 25))
