"""Pacing a morning's sends into the minutes a bot can send them in."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogues.admin_draft import clock_value
from domain.calendar import local_time, local_to_utc
from domain.pacing import Unbooked, awake, book, in_waking_hours, minute_from, minute_of
from services.admin import AdminError, check_send_time

EIGHT = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Oslo
MIN = timedelta(minutes=1)


def steps(
    count: int, *, group_size: int = 20, at: datetime = EIGHT, lane: int = 1
) -> list[Unbooked]:
    return [Unbooked(i, lane, at, i // group_size, "step") for i in range(count)]


def test_a_morning_bigger_than_a_minute_spreads_over_the_following_minutes() -> None:
    bookings = book(steps(3_500), capacity=1_000, booked={}, now=EIGHT)
    per_minute = Counter(b.at for b in bookings)
    assert per_minute == {
        EIGHT: 1_000,
        EIGHT + MIN: 1_000,
        EIGHT + 2 * MIN: 1_000,
        EIGHT + 3 * MIN: 500,
    }
    assert max(b.late for b in bookings) == 3 * MIN


def test_a_schools_staff_get_the_step_in_the_same_minute_when_it_fits() -> None:
    bookings = book(steps(100, group_size=20), capacity=30, booked={}, now=EIGHT)
    minutes_of_group: dict[int, set[datetime]] = {}
    for item, booking in zip(
        sorted(steps(100), key=lambda s: s.id), sorted(bookings, key=lambda b: b.id), strict=True
    ):
        minutes_of_group.setdefault(item.group or 0, set()).add(booking.at)
    assert all(len(minutes) <= 2 for minutes in minutes_of_group.values())  # at most split once


def test_which_school_comes_last_changes_from_day_to_day() -> None:
    last_school = set()
    for day in range(7):
        morning = EIGHT + timedelta(days=day)
        bookings = book(steps(400, at=morning), capacity=100, booked={}, now=morning)
        latest = max(bookings, key=lambda b: (b.at, b.id))
        last_school.add(latest.id // 20)
    assert len(last_school) > 1


def test_what_is_already_booked_is_not_booked_over() -> None:
    bookings = book(steps(10), capacity=10, booked={(1, EIGHT): 8}, now=EIGHT)
    assert Counter(b.at for b in bookings) == {EIGHT: 2, EIGHT + MIN: 8}


def test_each_bot_has_its_own_minutes() -> None:
    both = steps(10, lane=1) + [Unbooked(100 + i, 2, EIGHT, 9, "step") for i in range(10)]
    bookings = book(both, capacity=10, booked={}, now=EIGHT)
    assert {b.at for b in bookings} == {EIGHT}


def test_a_kickoff_is_booked_before_the_step_it_introduces() -> None:
    owed = [Unbooked(1, 1, EIGHT, 5, "step"), Unbooked(2, 1, EIGHT, 5, "kickoff")]
    first, second = book(owed, capacity=1, booked={}, now=EIGHT)
    assert (first.id, first.at) == (2, EIGHT) and (second.id, second.at) == (1, EIGHT + MIN)


def test_something_owed_while_the_bot_was_down_goes_now_not_in_the_past() -> None:
    later = EIGHT + timedelta(hours=2, seconds=30)
    (booking,) = book(steps(1), capacity=10, booked={}, now=later)
    assert booking.at == minute_of(later) and booking.late == timedelta(0)  # none added


def test_a_summary_counts_as_several_sends_and_never_blocks_the_lane() -> None:
    owed = [Unbooked(1, 1, EIGHT, 1, "summary"), Unbooked(2, 1, EIGHT, 1, "step")]
    bookings = {b.id: b.at for b in book(owed, capacity=2, booked={}, now=EIGHT)}
    assert bookings == {2: EIGHT, 1: EIGHT + MIN}  # the step first; the summary fills a minute


def test_a_send_owed_within_a_minute_waits_for_the_next_whole_minute() -> None:
    (booking,) = book(steps(1, at=EIGHT + timedelta(seconds=20)), capacity=5, booked={}, now=EIGHT)
    assert booking.at == EIGHT + MIN and booking.late == timedelta(0)


def test_nothing_is_booked_at_night_what_does_not_fit_by_21_waits_for_7() -> None:
    evening = datetime(2026, 11, 27, 19, 58, tzinfo=UTC)  # Friday 20:58 in Oslo
    bookings = book(steps(40), capacity=10, booked={}, now=evening)
    next_morning = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # Saturday 07:00 in Oslo
    assert Counter(b.at for b in bookings) == {
        evening: 10,
        evening + MIN: 10,
        evening + 2 * MIN: 10,  # 21:00 is the last minute, as /time 21:00 promises
        next_morning: 10,
    }


def test_something_owed_in_the_night_goes_at_seven() -> None:
    night = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)  # 02:30 in Oslo
    (booking,) = book(steps(1, at=night), capacity=10, booked={}, now=night)
    assert booking.at == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def test_a_minute_must_hold_something() -> None:
    with pytest.raises(ValueError):
        book(steps(1), capacity=0, booked={}, now=EIGHT)


owed_lists = st.lists(
    st.builds(
        Unbooked,
        id=st.integers(0, 10_000),
        lane=st.integers(1, 3),
        nominal=st.integers(0, 180).map(lambda m: EIGHT + timedelta(minutes=m, seconds=m % 7)),
        group=st.one_of(st.none(), st.integers(1, 30)),
        kind=st.sampled_from(["step", "reminder", "kickoff", "summary"]),
    ),
    max_size=300,
    unique_by=lambda item: item.id,
)


@given(owed=owed_lists, capacity=st.integers(1, 40), now_offset=st.integers(0, 24 * 60))
def test_bookings_never_early_never_over_capacity_and_every_one_booked_once(
    owed: list[Unbooked], capacity: int, now_offset: int
) -> None:
    now = EIGHT + timedelta(minutes=now_offset)
    bookings = book(owed, capacity=capacity, booked={}, now=now)
    assert sorted(b.id for b in bookings) == sorted(item.id for item in owed)
    by_id = {item.id: item for item in owed}
    load: Counter[tuple[int, datetime]] = Counter()
    for booking in bookings:
        item = by_id[booking.id]
        assert booking.at >= item.nominal and booking.at >= minute_of(now)
        assert booking.at >= minute_from(item.nominal)
        assert booking.at.second == 0 and booking.at.microsecond == 0
        assert time(7) <= local_time(booking.at, "Europe/Oslo") <= time(21)
        load[(item.lane, booking.at)] += min(item.weight, capacity)
    assert all(sends <= capacity for sends in load.values())


@given(owed=owed_lists, capacity=st.integers(1, 40))
def test_the_order_things_were_read_in_changes_nothing(owed: list[Unbooked], capacity: int) -> None:
    forwards = book(owed, capacity=capacity, booked={}, now=EIGHT)
    backwards = book(list(reversed(owed)), capacity=capacity, booked={}, now=EIGHT)
    assert sorted(forwards, key=lambda b: b.id) == sorted(backwards, key=lambda b: b.id)


@pytest.mark.parametrize(
    ("clock", "writes"),
    [
        (time(6, 30), False),
        (time(6, 59), False),
        (time(7), True),
        (time(21), True),
        (time(21, 1), False),
    ],
)
def test_every_send_time_one_can_choose_is_a_time_pacing_sends_at(
    clock: time, writes: bool
) -> None:
    """A member's /time, a rollout's time in /admin, the CLI and plan files, and pacing all
    follow one rule: a time that can be chosen is never moved to the next morning."""
    assert in_waking_hours(clock) is writes
    assert (clock_value(f"{clock:%H%M}") is not None) is writes  # the wizard's buttons and text
    try:
        check_send_time(clock)
        accepted = True
    except AdminError:
        accepted = False
    assert accepted is writes
    minute = local_to_utc(date(2027, 1, 4), clock, "Europe/Oslo")
    assert (awake(minute, "Europe/Oslo") == minute) is writes
