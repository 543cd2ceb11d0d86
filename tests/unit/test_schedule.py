"""The step plan, what is due, reminders, pause and resume, the preview, and typed settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import (
    ClosedDays,
    local_datetime,
    local_to_utc,
    public_holiday,
    week_closes_at,
    week_of,
)
from domain.model import Break, DateRange, Pause
from domain.schedule import (
    due_step_index,
    missed_steps,
    pause_from,
    plan_step_dates,
    preview,
    reminder_at,
    resume,
)
from domain.schedule_text import format_weekdays, parse_hhmm, parse_modules, parse_weekdays

OSLO = "Europe/Oslo"
FRIDAY = 4
MON_FRI = frozenset(range(5))
NO_DEADLINE = settings(deadline=None)  # holiday tables are built on first use; no timing here

days = st.dates(date(2026, 1, 1), date(2027, 12, 31))
weekday_sets = st.frozensets(st.integers(0, 6), min_size=1)
minutes = st.builds(time, st.integers(0, 23), st.integers(0, 59))


@st.composite
def date_ranges(draw: st.DrawFn, longest: int = 30) -> DateRange:
    start = draw(days)
    return DateRange(start, start + timedelta(days=draw(st.integers(0, longest))))


breaks = st.lists(st.builds(Break, st.just("Ferie"), date_ranges()), max_size=3).map(tuple)
closed_pauses = st.lists(date_ranges(14).map(lambda r: Pause(r.start, r.end)), max_size=2)
closed_days = st.builds(ClosedDays, breaks=breaks, pauses=closed_pauses.map(tuple))


def dated(plan: list[date | None]) -> list[date]:
    return [day for day in plan if day is not None]


# The plan: concrete Norwegian calendars


def test_easter_2027_shifts_the_plan_past_maundy_thursday_to_easter_monday() -> None:
    plan = plan_step_dates(5, date(2027, 3, 22), MON_FRI, ClosedDays())
    assert plan == [
        date(2027, 3, 22),
        date(2027, 3, 23),
        date(2027, 3, 24),
        date(2027, 3, 30),
        date(2027, 3, 31),
    ]


def test_17_may_2027_a_monday_moves_that_step_to_tuesday() -> None:
    plan = plan_step_dates(6, date(2027, 5, 10), MON_FRI, ClosedDays())
    assert plan[-2:] == [date(2027, 5, 14), date(2027, 5, 18)]


def test_ascension_2027_moves_thursdays_step_to_friday() -> None:
    plan = plan_step_dates(4, date(2027, 5, 3), MON_FRI, ClosedDays())
    assert plan == [date(2027, 5, 3), date(2027, 5, 4), date(2027, 5, 5), date(2027, 5, 7)]


def test_a_winter_break_in_week_9_postpones_every_later_step_a_week() -> None:
    winter = Break("Vinterferie", DateRange(date(2027, 3, 1), date(2027, 3, 5)))
    mon_wed_fri = frozenset({0, 2, 4})
    plan = plan_step_dates(5, date(2027, 2, 22), mon_wed_fri, ClosedDays(breaks=(winter,)))
    assert plan == [
        date(2027, 2, 22),
        date(2027, 2, 24),
        date(2027, 2, 26),
        date(2027, 3, 8),
        date(2027, 3, 10),
    ]


def test_a_start_on_a_closed_day_begins_at_the_next_open_chosen_day() -> None:
    assert plan_step_dates(1, date(2027, 3, 25), MON_FRI, ClosedDays()) == [date(2027, 3, 30)]


def test_steps_after_an_open_ended_pause_are_not_scheduled_yet() -> None:
    closed = ClosedDays(pauses=(Pause(date(2027, 2, 24)),))
    plan = plan_step_dates(4, date(2027, 2, 22), MON_FRI, closed)
    assert plan == [date(2027, 2, 22), date(2027, 2, 23), None, None]


def test_a_plan_that_cannot_fit_in_three_years_stops_searching() -> None:
    four_years_off = Break("Permisjon", DateRange(date(2027, 1, 1), date(2030, 12, 31)))
    plan = plan_step_dates(3, date(2027, 1, 4), MON_FRI, ClosedDays(breaks=(four_years_off,)))
    assert plan == [None, None, None]


def test_a_plan_needs_weekdays_and_a_sensible_step_count() -> None:
    with pytest.raises(ValueError, match="weekday"):
        plan_step_dates(3, date(2027, 1, 4), frozenset(), ClosedDays())
    with pytest.raises(ValueError, match="weekdays"):
        plan_step_dates(3, date(2027, 1, 4), frozenset({7}), ClosedDays())
    with pytest.raises(ValueError, match="steps"):
        plan_step_dates(-1, date(2027, 1, 4), MON_FRI, ClosedDays())
    assert plan_step_dates(0, date(2027, 1, 4), MON_FRI, ClosedDays()) == []


# The plan: properties


@given(n=st.integers(0, 60), start=days, weekdays=weekday_sets, closed=closed_days)
@NO_DEADLINE
def test_every_step_lands_on_an_open_chosen_day_after_start_in_order(
    n: int, start: date, weekdays: frozenset[int], closed: ClosedDays
) -> None:
    plan = plan_step_dates(n, start, weekdays, closed)
    assert len(plan) == n
    steps = dated(plan)
    assert len(steps) == n  # nothing open-ended: every step gets a date, none is skipped
    for day in steps:
        assert day >= start and day.weekday() in weekdays and not closed.is_closed(day)
    assert all(earlier < later for earlier, later in pairwise(steps))


@given(n=st.integers(1, 40), start=days, weekdays=weekday_sets, closed=closed_days, extra=days)
@NO_DEADLINE
def test_closing_one_more_day_never_moves_a_step_earlier(
    n: int, start: date, weekdays: frozenset[int], closed: ClosedDays, extra: date
) -> None:
    before = plan_step_dates(n, start, weekdays, closed)
    planning_day = Break("Planleggingsdag", DateRange(extra, extra))
    after = plan_step_dates(
        n, start, weekdays, ClosedDays((*closed.breaks, planning_day), closed.pauses)
    )
    for old, new in zip(dated(before), dated(after), strict=True):
        assert new >= old


@given(
    n=st.integers(1, 40),
    start=days,
    weekdays=weekday_sets,
    closed=closed_days,
    pause=date_ranges(21),
)
@NO_DEADLINE
def test_a_pause_over_k_open_days_shifts_every_later_step_by_exactly_k_open_days(
    n: int, start: date, weekdays: frozenset[int], closed: ClosedDays, pause: DateRange
) -> None:
    # Enough open days past the end of the plan to look k of them ahead.
    open_days = dated(plan_step_dates(n + 30, start, weekdays, closed))
    k = sum(1 for day in open_days if day in pause)
    paused = ClosedDays(closed.breaks, (*closed.pauses, Pause(pause.start, pause.end)))
    plan = plan_step_dates(n, start, weekdays, paused)
    for index, day in enumerate(plan):
        unpaused = open_days[index]
        assert day == (unpaused if unpaused < pause.start else open_days[index + k])


@given(n=st.integers(1, 40), start=days, weekdays=weekday_sets, paused_on=days)
@NO_DEADLINE
def test_an_open_ended_pause_keeps_earlier_steps_and_leaves_the_rest_unscheduled(
    n: int, start: date, weekdays: frozenset[int], paused_on: date
) -> None:
    unpaused = plan_step_dates(n, start, weekdays, ClosedDays())
    plan = plan_step_dates(n, start, weekdays, ClosedDays(pauses=(Pause(paused_on),)))
    kept = [day for day in unpaused if day is not None and day < paused_on]
    assert plan == kept + [None] * (n - len(kept))


# What is due


MON, TUE, WED = date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6)
EIGHT = time(8, 0)


@pytest.mark.parametrize(
    ("today", "clock", "due"),
    [
        (date(2027, 1, 3), time(23, 0), None),  # before the first step
        (MON, time(7, 59), None),
        (MON, EIGHT, 0),
        (TUE, time(7, 0), 0),  # Tuesday's step is not out yet
        (TUE, time(9, 0), 1),
        (date(2027, 2, 1), time(0, 0), 2),  # long after: the last dated one
    ],
)
def test_the_due_step_is_the_latest_whose_send_moment_has_come(
    today: date, clock: time, due: int | None
) -> None:
    assert due_step_index([MON, TUE, WED, None], today, EIGHT, clock) == due


@given(
    n=st.integers(1, 30),
    start=days,
    weekdays=weekday_sets,
    send=minutes,
    first=st.tuples(days, minutes),
    second=st.tuples(days, minutes),
)
@NO_DEADLINE
def test_the_due_step_never_goes_back_as_time_goes_on(
    n: int,
    start: date,
    weekdays: frozenset[int],
    send: time,
    first: tuple[date, time],
    second: tuple[date, time],
) -> None:
    earlier, later = sorted([first, second])
    plan = plan_step_dates(n, start, weekdays, ClosedDays())
    before = due_step_index(plan, earlier[0], send, earlier[1])
    after = due_step_index(plan, later[0], send, later[1])
    assert before is None or (after is not None and after >= before)


def test_missed_steps_are_the_undelivered_ones_before_the_due_one() -> None:
    assert missed_steps(4, {0, 2}) == (1, 3)
    assert missed_steps(4, {0, 1, 2, 3}) == ()
    assert missed_steps(4, {0, 2, 4}) == (1, 3)
    assert missed_steps(4, set(), first_index=3) == (3,)  # joined at step 3
    assert missed_steps(None, set()) == ()


# Reminders


def _close_of_week_sent(day: date, send: time, weekday: int, at: time) -> datetime:
    sent = local_datetime(local_to_utc(day, send, OSLO), OSLO)
    return week_closes_at(week_of(sent, weekday, at), weekday, at, OSLO)


def test_the_reminder_goes_the_next_weekday_at_the_send_time() -> None:
    close = _close_of_week_sent(date(2027, 5, 3), EIGHT, FRIDAY, time(14, 0))
    reminder = reminder_at(date(2027, 5, 3), EIGHT, OSLO, ClosedDays(), close)
    assert reminder == datetime(2027, 5, 4, 6, 0, tzinfo=UTC)


def test_the_reminder_skips_ascension_day() -> None:
    close = _close_of_week_sent(date(2027, 5, 5), EIGHT, FRIDAY, time(14, 0))
    reminder = reminder_at(date(2027, 5, 5), EIGHT, OSLO, ClosedDays(), close)
    assert reminder == datetime(2027, 5, 7, 6, 0, tzinfo=UTC)


def test_no_reminder_when_easter_leaves_no_open_day_before_the_week_closes() -> None:
    close = _close_of_week_sent(date(2027, 3, 24), EIGHT, FRIDAY, time(14, 0))
    assert reminder_at(date(2027, 3, 24), EIGHT, OSLO, ClosedDays(), close) is None


def test_no_reminder_when_the_next_day_is_past_the_summary() -> None:
    close = _close_of_week_sent(date(2027, 5, 13), time(16, 0), FRIDAY, time(14, 0))
    assert reminder_at(date(2027, 5, 13), time(16, 0), OSLO, ClosedDays(), close) is None


@pytest.mark.parametrize(
    ("send", "remind"),
    [(time(6, 30), time(8, 0)), (time(12, 15), time(12, 15)), (time(21, 30), time(20, 0))],
)
def test_the_reminder_time_is_the_send_time_kept_within_0800_to_2000(
    send: time, remind: time
) -> None:
    close = week_closes_at(date(2027, 5, 10), 6, time(22, 0), OSLO)  # Sunday evening summary
    reminder = reminder_at(date(2027, 5, 11), send, OSLO, ClosedDays(), close)
    assert reminder is not None
    assert local_datetime(reminder, OSLO) == datetime.combine(date(2027, 5, 12), remind)


def test_the_reminder_honours_the_breaks_and_pauses_it_is_given() -> None:
    close = week_closes_at(date(2027, 5, 10), 6, time(22, 0), OSLO)
    planning_day = Break("Planleggingsdag", DateRange(date(2027, 5, 12), date(2027, 5, 12)))
    with_break = reminder_at(date(2027, 5, 11), EIGHT, OSLO, ClosedDays((planning_day,)), close)
    assert with_break == datetime(2027, 5, 13, 6, 0, tzinfo=UTC)
    paused = ClosedDays(pauses=(Pause(date(2027, 5, 12)),))
    assert reminder_at(date(2027, 5, 11), EIGHT, OSLO, paused, close) is None


@given(
    day=days,
    send=minutes,
    weekday=st.integers(0, 6),
    at=st.builds(time, st.integers(4, 23), st.integers(0, 59)),
    closed=closed_days,
)
@NO_DEADLINE
def test_a_reminder_is_on_an_open_weekday_in_daytime_before_the_week_closes(
    day: date, send: time, weekday: int, at: time, closed: ClosedDays
) -> None:
    close = _close_of_week_sent(day, send, weekday, at)
    reminder = reminder_at(day, send, OSLO, closed, close)
    if reminder is None:
        return
    local = local_datetime(reminder, OSLO)
    assert local.date() > day
    assert local.weekday() < 5
    assert public_holiday(local.date()) is None and not closed.is_closed(local.date())
    assert time(8, 0) <= local.time() <= time(20, 0)
    assert reminder < close


# Pause and resume


def test_pausing_after_todays_step_closes_from_tomorrow_else_from_today() -> None:
    assert pause_from(datetime(2027, 1, 5, 9, 0), todays_step_sent=True) == date(2027, 1, 6)
    assert pause_from(datetime(2027, 1, 5, 7, 0), todays_step_sent=False) == date(2027, 1, 5)


def test_resume_ends_the_open_pause_yesterday_and_keeps_the_others() -> None:
    old = Pause(date(2026, 12, 1), date(2026, 12, 3))
    pauses = (old, Pause(date(2027, 1, 6)))
    assert resume(pauses, date(2027, 1, 12)) == (old, Pause(date(2027, 1, 6), date(2027, 1, 11)))
    assert resume((old,), date(2027, 1, 12)) == (old,)
    assert resume((Pause(date(2027, 1, 12)),), date(2027, 1, 12)) == ()  # paused nothing


@given(
    start=days,
    weekdays=weekday_sets,
    send=minutes,
    asked=st.tuples(days, minutes),
    away=st.integers(1, 60),
)
@NO_DEADLINE
def test_after_a_pause_the_plan_picks_up_with_one_step_not_a_burst(
    start: date, weekdays: frozenset[int], send: time, asked: tuple[date, time], away: int
) -> None:
    n = 40
    plan = plan_step_dates(n, start, weekdays, ClosedDays())
    asked_day, asked_at = asked
    last_sent = due_step_index(plan, asked_day, send, asked_at)
    sent_today = last_sent is not None and plan[last_sent] == asked_day
    pauses = (Pause(pause_from(datetime.combine(asked_day, asked_at), sent_today)),)
    back = asked_day + timedelta(days=away)
    resumed = plan_step_dates(n, start, weekdays, ClosedDays(pauses=resume(pauses, back)))
    sent_so_far = -1 if last_sent is None else last_sent
    assert resumed[: sent_so_far + 1] == plan[: sent_so_far + 1]  # history stays put
    due_on_return = due_step_index(resumed, back, send, time(23, 59))
    assert (-1 if due_on_return is None else due_on_return) <= sent_so_far + 1


# Preview


def test_the_preview_shows_each_step_and_the_summaries_that_close_them() -> None:
    shown = preview(5, date(2027, 3, 22), MON_FRI, EIGHT, OSLO, ClosedDays())
    assert [step.local for step in shown.steps] == [
        datetime(2027, 3, 22, 8, 0),
        datetime(2027, 3, 23, 8, 0),
        datetime(2027, 3, 24, 8, 0),
        datetime(2027, 3, 30, 8, 0),
        datetime(2027, 3, 31, 8, 0),
    ]
    assert shown.summaries == (datetime(2027, 3, 26, 14, 0), datetime(2027, 4, 2, 14, 0))


def test_the_preview_shows_a_send_time_lost_to_summer_time_as_it_will_be_sent() -> None:
    shown = preview(1, date(2026, 3, 29), frozenset({6}), time(2, 30), OSLO, ClosedDays())
    assert shown.steps[0].local == datetime(2026, 3, 29, 3, 0)


def test_the_preview_marks_steps_after_an_open_ended_pause_unscheduled() -> None:
    closed = ClosedDays(pauses=(Pause(date(2027, 3, 24)),))
    shown = preview(3, date(2027, 3, 22), MON_FRI, EIGHT, OSLO, closed)
    assert [step.local is None for step in shown.steps] == [False, False, True]
    assert shown.summaries == (datetime(2027, 3, 26, 14, 0),)


@given(
    n=st.integers(0, 30),
    start=days,
    weekdays=weekday_sets,
    send=minutes,
    closed=closed_days,
    weekday=st.integers(0, 6),
    at=st.builds(time, st.integers(4, 23), st.integers(0, 59)),
)
@NO_DEADLINE
def test_the_preview_matches_what_the_engine_sends_and_summarises(
    n: int,
    start: date,
    weekdays: frozenset[int],
    send: time,
    closed: ClosedDays,
    weekday: int,
    at: time,
) -> None:
    shown = preview(n, start, weekdays, send, OSLO, closed, weekday, at)
    plan = plan_step_dates(n, start, weekdays, closed)
    summaries = {
        local_datetime(week_closes_at(step.week, weekday, at, OSLO), OSLO)
        for step in shown.steps
        if step.week is not None
    }
    assert sorted(summaries) == list(shown.summaries)
    for step, day in zip(shown.steps, plan, strict=True):
        assert step.local is not None and day is not None
        assert step.local == local_datetime(local_to_utc(day, send, OSLO), OSLO)
        assert step.week is not None
        assert local_datetime(week_closes_at(step.week, weekday, at, OSLO), OSLO) > step.local


# Typed settings


@pytest.mark.parametrize(
    ("text", "weekdays"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("man-fre", {0, 1, 2, 3, 4}),
        ("mon-wed,fri", {0, 1, 2, 4}),
        (" Tir , Tor ", {1, 3}),
        ("lør-søn", {5, 6}),
        ("fri-fri", {4}),
    ],
)
def test_weekdays_are_read_in_english_and_norwegian(text: str, weekdays: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(weekdays)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no weekdays"),
        ("mon,,fri", "no weekdays"),
        ("mon-", "not a range"),
        ("mon-wed-fri", "not a range"),
        ("fri-mon", "backwards"),
        ("monday", "not a weekday"),
    ],
)
def test_unreadable_weekdays_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_weekdays(text)


def test_weekdays_are_written_as_ranges_when_contiguous() -> None:
    assert format_weekdays(MON_FRI) == "mon-fri"
    assert format_weekdays({0, 2, 4}) == "mon,wed,fri"
    assert format_weekdays({0, 1, 2, 4}) == "mon-wed,fri"
    assert format_weekdays(MON_FRI, language="nb") == "man-fre"
    with pytest.raises(ValueError):
        format_weekdays(set())


@given(weekdays=weekday_sets, language=st.sampled_from(["en", "nb", "nn"]))
def test_written_weekdays_read_back_the_same(weekdays: frozenset[int], language: str) -> None:
    assert parse_weekdays(format_weekdays(weekdays, language)) == weekdays


@pytest.mark.parametrize(
    ("text", "modules"),
    [("0-2", (0, 1, 2)), ("1,3,5", (1, 3, 5)), ("4", (4,)), ("5, 0-1", (0, 1, 5)), ("2,2", (2,))],
)
def test_modules_are_read_as_numbers_and_ranges(text: str, modules: tuple[int, ...]) -> None:
    assert parse_modules(text) == modules


@pytest.mark.parametrize("text", ["", "2-0", "a", "-1", "1.5", "0-99999999", "١"])
def test_unreadable_modules_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_modules(text)


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("00:00", time(0, 0)),
        (" 23:59 ", time(23, 59)),
    ],
)
def test_a_time_of_day_is_read_from_hh_mm(text: str, at: time) -> None:
    assert parse_hhmm(text) == at


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("24:00", "00:00 to 23:59"),
        ("07:60", "00:00 to 23:59"),
        ("7.30", "HH:MM"),
        ("0730", "HH:MM"),
        ("07:30:00", "HH:MM"),
        ("", "HH:MM"),
        ("٠٧:٣٠", "HH:MM"),
    ],
)
def test_an_unreadable_time_says_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_hhmm(text)


@given(minutes)
def test_every_minute_of_the_day_reads_back_from_its_hh_mm(at: time) -> None:
    assert parse_hhmm(at.strftime("%H:%M")) == at
