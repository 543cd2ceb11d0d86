"""A rollout's plan: which step goes out on which day and which week's summary covers it.

Pure: the clock, the /today and /progress commands and the admin preview all read the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from domain.calendar import (
    ClosedDays,
    is_week_closed,
    local_date,
    local_datetime,
    local_time,
    local_to_utc,
    week_closes_at,
    week_of,
)
from domain.model import Group, Organisation, Rollout
from domain.schedule import due_step_index, plan_step_dates, reminder_at

# Reminders look back this many steps (services.planning): an older step's week is closed.
REMINDER_LOOKBACK = 7


@dataclass(frozen=True)
class StepRef:
    module: int
    step_id: str
    asks: bool  # it has a question to answer


@dataclass(frozen=True)
class RolloutPlan:
    rollout: Rollout
    group: Group
    org: Organisation
    steps: tuple[StepRef, ...]
    dates: tuple[date | None, ...]

    @property
    def tz(self) -> str:
        return self.org.timezone

    @property
    def closed(self) -> ClosedDays:
        return ClosedDays(breaks=self.org.breaks, pauses=self.rollout.pauses)

    def send_at(self, index: int, own_time: time | None = None) -> datetime | None:
        """When step `index` goes out (UTC), at the member's own time if they set one."""
        day = self.dates[index]
        if day is None:
            return None
        return local_to_utc(day, own_time or self.rollout.send_time, self.tz)

    def week(self, index: int) -> date | None:
        """The Monday of the week whose summary covers step `index` (by the group's send time)."""
        sent = self.send_at(index)
        if sent is None:
            return None
        local = local_datetime(sent, self.tz)
        return week_of(local, self.group.summary_weekday, self.group.summary_time)

    def week_closed(self, week: date, now: datetime) -> bool:
        g = self.group
        return is_week_closed(week, now, g.summary_weekday, g.summary_time, self.tz)

    def due_index(self, now: datetime) -> int | None:
        """The latest step whose send moment has come."""
        return due_step_index(
            self.dates, local_date(now, self.tz), self.rollout.send_time, local_time(now, self.tz)
        )

    def index_of(self, step_id: str) -> int | None:
        return self._indexes.get(step_id)

    @cached_property
    def _indexes(self) -> dict[str, int]:
        """Step id -> its first index: the renderer looks one up for every message it sends."""
        found: dict[str, int] = {}
        for index, ref in enumerate(self.steps):
            found.setdefault(ref.step_id, index)
        return found

    def open_indexes(self, now: datetime) -> list[int]:
        """Steps already due whose week is still open (answerable), oldest first."""
        due = self.due_index(now)
        if due is None:
            return []
        found = []
        for index in range(due, -1, -1):
            week = self.week(index)
            if week is None or self.week_closed(week, now):
                break
            found.append(index)
        return found[::-1]

    def module_span(self, index: int) -> tuple[int, int]:
        """(position within its module, counting from 1; the module's number of steps)."""
        module = self.steps[index].module
        same = [i for i, ref in enumerate(self.steps) if ref.module == module]
        return same.index(index) + 1, len(same)

    @property
    def last_day(self) -> date | None:
        return self.dates[-1] if self.dates else None


def next_owed_moment(plans: list[RolloutPlan], now: datetime) -> datetime | None:
    """The first moment after `now` at which the group with these plans can owe something new:
    a step's send moment, a module's kick-off (the day before its first step), a reminder's
    morning, a week's summary moment. None: nothing is ahead. Between two such moments a plan
    owes nothing new unless what it is drawn from is written (someone joins, resumes, a rollout
    or the calendar changes), and the storage marks the group for planning then."""
    ahead = [m for plan in plans if (m := _next_moment(plan, now)) is not None]
    return min(ahead, default=None)


def _next_moment(plan: RolloutPlan, now: datetime) -> datetime | None:
    """Scans from the oldest step a reminder can still be owed for up to the first step not
    yet sent: every moment a later step brings is later than that step's own send moment."""
    due = plan.due_index(now)
    start = 0 if due is None else max(0, due - REMINDER_LOOKBACK)
    g = plan.group
    moments: list[datetime] = []
    for index in range(start, len(plan.steps)):
        send = plan.send_at(index)
        week = plan.week(index)
        day = plan.dates[index]
        if send is None or week is None or day is None:
            break  # an open-ended pause: the rest waits for the rollout to be edited
        closes = week_closes_at(week, g.summary_weekday, g.summary_time, plan.tz)
        moments += [send, closes]
        if index == 0 or plan.steps[index - 1].module != plan.steps[index].module:
            moments.append(send - timedelta(days=1))  # the module's kick-off
        if plan.steps[index].asks:
            remind = reminder_at(day, plan.rollout.send_time, plan.tz, plan.closed, closes)
            moments += [remind] if remind is not None else []
        if send > now:
            moments += _next_kickoff(plan, index)
            break
    return min((m for m in moments if m > now), default=None)


def _next_kickoff(plan: RolloutPlan, index: int) -> list[datetime]:
    """The next module's kick-off: a day before its first step, which across a change of
    summer time is not always after step `index` goes out."""
    module = plan.steps[index].module
    later = next((i for i in range(index, len(plan.steps)) if plan.steps[i].module != module), None)
    send = None if later is None else plan.send_at(later)
    return [] if send is None else [send - timedelta(days=1)]


def build_plan(
    rollout: Rollout,
    group: Group,
    org: Organisation,
    steps: tuple[StepRef, ...],
    start: date | None = None,
) -> RolloutPlan:
    closed = ClosedDays(breaks=org.breaks, pauses=rollout.pauses)
    dates = plan_step_dates(len(steps), start or rollout.start, rollout.weekdays, closed)
    return RolloutPlan(rollout, group, org, steps, tuple(dates))


def queue_after_each_other(plans: list[RolloutPlan]) -> list[RolloutPlan]:
    """A group runs one rollout at a time: a later one starts after the earlier one's last step,
    and waits while an earlier one is paused without an end."""
    by_group: dict[int, list[RolloutPlan]] = {}
    for plan in plans:
        by_group.setdefault(plan.group.id, []).append(plan)
    queued = []
    for group_plans in by_group.values():
        group_plans.sort(key=lambda p: (p.rollout.start, p.rollout.id))
        free_from: date | None = None
        held = False
        for plan in group_plans:
            if held:
                plan = RolloutPlan(
                    plan.rollout, plan.group, plan.org, plan.steps, (None,) * len(plan.steps)
                )
            elif free_from is not None and plan.rollout.start < free_from:
                plan = build_plan(plan.rollout, plan.group, plan.org, plan.steps, free_from)
            queued.append(plan)
            if plan.dates and plan.last_day is None:
                held = True
            elif plan.last_day is not None:
                free_from = plan.last_day + timedelta(days=1)
    return queued
