"""When each step of a rollout goes out, what is due now, reminders, pauses and the admin preview.

The delivery engine and the admin preview call these same functions, so what an admin is shown
before saving a rollout is what is later sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from domain.calendar import (
    ClosedDays,
    local_date,
    local_datetime,
    local_to_utc,
    week_closes_at,
    week_of,
)
from domain.model import Pause

PLAN_HORIZON: Final = timedelta(days=3 * 366)  # steps that would fall later stay unscheduled
REMINDER_EARLIEST: Final = time(8, 0)
REMINDER_LATEST: Final = time(20, 0)
FRIDAY: Final = 4
ONE_DAY: Final = timedelta(days=1)


def check_weekdays(weekdays: Iterable[int]) -> frozenset[int]:
    """The weekdays (Monday is 0) as a frozenset; ValueError when empty or out of 0-6."""
    days = frozenset(weekdays)
    if not days:
        raise ValueError("choose at least one weekday")
    outside = sorted(day for day in days if not 0 <= day <= 6)
    if outside:
        raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), not {outside}")
    return days


def plan_step_dates(
    n_steps: int, start: date, weekdays: frozenset[int], closed: ClosedDays
) -> list[date | None]:
    """Step k on the k-th open chosen weekday from `start`; None after an open-ended pause."""
    if n_steps < 0:
        raise ValueError(f"a rollout cannot have {n_steps} steps")
    days = check_weekdays(weekdays)
    try:
        stop = start + PLAN_HORIZON
    except OverflowError:
        stop = date.max
    open_ended = closed.open_ended_from()
    if open_ended is not None:
        stop = min(stop, open_ended)
    # A closed day shifts the rest of the plan; it never swallows a step.
    dates: list[date | None] = []
    day = start
    while len(dates) < n_steps and day < stop:
        if day.weekday() in days and not closed.is_closed(day):
            dates.append(day)
        day += ONE_DAY
    return dates + [None] * (n_steps - len(dates))


def _is_due(day: date | None, today: date, send_time: time, now_local_time: time) -> bool:
    if day is None:
        return False
    return day < today or (day == today and now_local_time >= send_time)


def due_step_index(
    dates: Sequence[date | None], today: date, send_time: time, now_local_time: time
) -> int | None:
    """The index of the latest step whose send moment has come (today at send time or before)."""
    due = [
        index for index, day in enumerate(dates) if _is_due(day, today, send_time, now_local_time)
    ]
    return max(due, default=None)


def missed_steps(
    due_index: int | None, delivered: Set[int], first_index: int = 0
) -> tuple[int, ...]:
    """Steps before the due one (from `first_index`, e.g. where a late joiner came in) not yet
    delivered, oldest first: to offer as a catch-up, one at a time, never to send in a burst."""
    if due_index is None:
        return ()
    return tuple(index for index in range(first_index, due_index) if index not in delivered)


def reminder_at(
    sent_local_day: date,
    send_time: time,
    tz: str,
    closed: ClosedDays,
    week_close_utc: datetime,
) -> datetime | None:
    """The UTC moment of the one reminder for a step sent on `sent_local_day`, or None.

    It goes on the next weekday (Monday-Friday) after the send day that `closed` leaves open, at the
    send time clamped into 08:00-20:00 local; None when that moment is at or after the week's close.
    """
    remind_time = min(max(send_time, REMINDER_EARLIEST), REMINDER_LATEST)
    last_day = local_date(week_close_utc, tz)
    day = sent_local_day + ONE_DAY
    while day <= last_day:
        if day.weekday() <= FRIDAY and not closed.is_closed(day):
            moment = local_to_utc(day, remind_time, tz)
            return moment if moment < week_close_utc else None
        day += ONE_DAY
    return None


def pause_from(now_local: datetime, todays_step_sent: bool) -> date:
    """First closed day of a pause asked at `now_local`: tomorrow if today's step went out."""
    if now_local.tzinfo is not None:
        raise ValueError("pause_from reads the local wall clock: pass a naive local datetime")
    today = now_local.date()
    return today + ONE_DAY if todays_step_sent else today


def resume(pauses: tuple[Pause, ...], today: date) -> tuple[Pause, ...]:
    """The pauses with the open one ended yesterday, so the plan picks up today, not in a burst.

    A pause that had not begun yet (it would start today or later) closed nothing and is dropped.
    """
    resumed: list[Pause] = []
    for pause in pauses:
        if pause.end is not None:
            resumed.append(pause)
        elif pause.start < today:
            resumed.append(Pause(start=pause.start, end=today - ONE_DAY))
    return tuple(resumed)


@dataclass(frozen=True)
class StepPreview:
    """One step as it will go out: local wall clock and the week whose summary covers it."""

    index: int
    local: datetime | None  # None: after an open-ended pause, not scheduled yet
    week: date | None  # Monday of the week whose summary includes the step


@dataclass(frozen=True)
class Preview:
    """Every step's send moment and the weekly summary moments (local) that cover them."""

    steps: tuple[StepPreview, ...]
    summaries: tuple[datetime, ...]


def preview(
    n_steps: int,
    start: date,
    weekdays: frozenset[int],
    send_time: time,
    tz: str,
    closed: ClosedDays,
    summary_weekday: int = FRIDAY,
    summary_time: time = time(14, 0),
) -> Preview:
    """What a rollout will send and when, built from the same rules the delivery engine uses."""
    steps: list[StepPreview] = []
    weeks: set[date] = set()
    for index, day in enumerate(plan_step_dates(n_steps, start, weekdays, closed)):
        if day is None:
            steps.append(StepPreview(index=index, local=None, week=None))
            continue
        # Through UTC and back: a send time inside the spring-forward gap shows as sent.
        sent = local_datetime(local_to_utc(day, send_time, tz), tz)
        week = week_of(sent, summary_weekday, summary_time)
        weeks.add(week)
        steps.append(StepPreview(index=index, local=sent, week=week))
    summaries = tuple(
        local_datetime(week_closes_at(week, summary_weekday, summary_time, tz), tz)
        for week in sorted(weeks)
    )
    return Preview(steps=tuple(steps), summaries=summaries)
