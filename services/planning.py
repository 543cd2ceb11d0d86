"""What is owed at `now`, worked out from the database each tick and written down as deliveries.

Nothing here sends: it only enqueues (idempotently, by each delivery's unique key), so a restart,
a second instance or a tick run twice finds the same work and adds nothing twice.

A tick plans only the groups whose next owed moment has come (`domain.plan.next_owed_moment`,
kept in the database) or whose plan's data was written since (the repositories mark them), so
a minute that owes nothing reads a few rows however many groups there are.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from domain.calendar import local_date, local_to_utc, week_closes_at
from domain.deliveries import Kind, step_delivery
from domain.model import Group, Role
from domain.pacing import rotation
from domain.plan import REMINDER_LOOKBACK, RolloutPlan, next_owed_moment
from domain.schedule import reminder_at
from services.pacing import Ledger, Pacing, book_rows
from services.schedule import Outline, group_plans
from services.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class PlanReport:
    steps: int = 0
    reminders: int = 0
    kickoffs: int = 0
    summaries: int = 0
    weeks_closed: list[tuple[int, date]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.steps + self.reminders + self.kickoffs + self.summaries


CloseWeek = Callable[[UnitOfWork, RolloutPlan, date, datetime], Awaitable[int]]
# Many groups' week at once (services.weekly.WeekSummaries.close_weeks): summaries owed per group.
CloseWeeks = Callable[[UnitOfWork, Sequence[Group], date, datetime], Awaitable[dict[int, int]]]
WEEKS_CLOSED_PER_TRANSACTION = 200  # a Friday's groups: some 20,000 answers sealed at once


async def plan_due(
    uow_factory: UnitOfWorkFactory,
    outline: Outline,
    now: datetime,
    close_week: CloseWeek | None = None,
    pacing: Pacing | None = None,
    close_weeks: CloseWeeks | None = None,
) -> PlanReport:
    """Enqueues every step, reminder, kick-off and weekly summary owed at `now`.

    The due groups' plans are worked out in memory; the database is then asked once per kind
    of work and step (not once per group). With `pacing`, the kick-offs, steps and reminders
    (a morning's bulk) are booked into their minutes before they are written, so they are
    written once. Weeks are closed by `close_weeks`, many groups per transaction, or else one
    group at a time by `close_week`."""
    report = PlanReport()
    async with uow_factory() as uow:
        seen = await uow.groups.due_for_planning(now)
        if not seen:
            return report
        plans = await group_plans(uow, sorted(seen), outline)
        ledger = None
        for batch in _batches(plans, now):
            ledger = await _enqueue_owed(uow, batch, now, pacing, ledger, report)
        if ledger is not None:
            ledger.warn_if_late()
        await uow.commit()
        closing = {(p.group.id, w): p for p in plans for w in _weeks_to_close(p, now)}
        if closing:
            since = min(week for _, week in closing)
            groups = {group for group, _ in closing}
            for done in await uow.deliveries.weeks_summarised(groups, since):
                closing.pop(done, None)
    if close_weeks is not None:
        await _close_in_bulk(uow_factory, closing, now, close_weeks, report)
    elif close_week is not None:
        for (group, week), plan in sorted(closing.items(), key=lambda item: item[0][1]):
            async with uow_factory() as uow:
                added = await close_week(uow, plan, week, now)
            if added:
                report.summaries += added
                report.weeks_closed.append((group, week))
    else:  # the weeks are left to a tick that closes them
        await _settle(uow_factory, seen, plans, now, unsettled={g for g, _ in closing})
        return report
    await _settle(uow_factory, seen, plans, now)
    return report


async def _close_in_bulk(
    uow_factory: UnitOfWorkFactory,
    closing: dict[tuple[int, date], RolloutPlan],
    now: datetime,
    close_weeks: CloseWeeks,
    report: PlanReport,
) -> None:
    """The weeks to close, oldest first, a transaction per WEEKS_CLOSED_PER_TRANSACTION groups."""
    by_week: dict[date, list[Group]] = {}
    for (_, week), plan in sorted(closing.items(), key=lambda item: item[0][1]):
        by_week.setdefault(week, []).append(plan.group)
    for week, groups in by_week.items():
        for start in range(0, len(groups), WEEKS_CLOSED_PER_TRANSACTION):
            async with uow_factory() as uow:
                chunk = groups[start : start + WEEKS_CLOSED_PER_TRANSACTION]
                owed = await close_weeks(uow, chunk, week, now)
            for group in chunk:
                if owed.get(group.id):
                    report.summaries += owed[group.id]
                    report.weeks_closed.append((group.id, week))


async def _settle(
    uow_factory: UnitOfWorkFactory,
    seen: dict[int, int],
    plans: list[RolloutPlan],
    now: datetime,
    unsettled: Collection[int] = (),
) -> None:
    """Each planned group is left alone until its next owed moment. Written last: a tick that
    failed before this point leaves its groups due, and the next one plans them again."""
    by_group: dict[int, list[RolloutPlan]] = {g: [] for g in seen if g not in unsettled}
    for plan in plans:
        if plan.group.id in by_group:
            by_group[plan.group.id].append(plan)
    marks = [
        (group, seen[group], next_owed_moment(group_plans, now))
        for group, group_plans in sorted(by_group.items())
    ]
    async with uow_factory() as uow:
        await uow.groups.planned(marks)
        await uow.commit()


GROUPS_PER_BATCH = 1_000  # a batch of a national morning: some 25,000 rows in memory at once


def _batches(plans: list[RolloutPlan], now: datetime) -> Iterator[list[RolloutPlan]]:
    """The plans a batch of groups at a time, the groups in the order pacing books them today,
    so a morning written in batches is booked as it would be at once, in a fraction of the
    memory. One transaction still holds every batch: all of a morning is written, or none."""
    today = now.date()
    order = sorted({plan.group.id for plan in plans}, key=lambda g: (rotation(g, today), g))
    batch_of = {group: index // GROUPS_PER_BATCH for index, group in enumerate(order)}
    batches: list[list[RolloutPlan]] = [[] for _ in range(len(order) // GROUPS_PER_BATCH + 1)]
    for plan in plans:
        batches[batch_of[plan.group.id]].append(plan)
    yield from (batch for batch in batches if batch)


async def _enqueue_owed(
    uow: UnitOfWork,
    plans: list[RolloutPlan],
    now: datetime,
    pacing: Pacing | None,
    ledger: Ledger | None,
    report: PlanReport,
) -> Ledger | None:
    """The kick-offs, steps and reminders these plans owe, booked (with `pacing`) around what
    is booked already (`ledger`: by the tick's earlier batches too), then written."""
    wanted = Wanted()
    for plan in plans:
        wanted.add(plan, now)
    kickoffs = await _kickoffs(uow, wanted.kickoffs)
    steps = await _steps(uow, wanted.steps, now)
    reminders = await _reminders(uow, wanted.reminders)
    if pacing is not None:
        ledger = await book_rows(uow, kickoffs + steps + reminders, now, pacing, ledger)
    report.kickoffs += await uow.deliveries.enqueue(kickoffs)
    report.steps += await uow.deliveries.enqueue(steps)
    report.reminders += await uow.deliveries.enqueue(reminders)
    return ledger


async def plan_all_anew(uow_factory: UnitOfWorkFactory) -> None:
    """At start: every group is planned at the first tick, since the packages' steps (and so
    the moments ahead) may have changed with the new version."""
    async with uow_factory() as uow:
        await uow.groups.replan_all()
        await uow.commit()


@dataclass
class Wanted:
    """What the plans say is owed now, before the database says who still lacks it."""

    steps: dict[str, list[tuple[RolloutPlan, int, date]]] = field(default_factory=dict)
    kickoffs: dict[str, list[tuple[RolloutPlan, datetime]]] = field(default_factory=dict)
    reminders: dict[tuple[str, datetime, str], list[RolloutPlan]] = field(default_factory=dict)

    def add(self, plan: RolloutPlan, now: datetime) -> None:
        due = plan.due_index(now)
        self._kickoffs(plan, now)
        if due is None:
            return
        week = plan.week(due)
        if week is not None and not plan.week_closed(week, now):
            self.steps.setdefault(plan.steps[due].step_id, []).append((plan, due, week))
        self._reminders(plan, due, now)

    def _kickoffs(self, plan: RolloutPlan, now: datetime) -> None:
        """Leaders get a module's leader support the day before its first step goes out."""
        first_of: dict[int, int] = {}
        for index, ref in enumerate(plan.steps):
            first_of.setdefault(ref.module, index)
        for number, first in first_of.items():
            send = plan.send_at(first)
            last_week = plan.week(_last_index_of(plan, number))
            if send is None or now < send - timedelta(days=1):
                continue
            if last_week is not None and plan.week_closed(last_week, now):
                continue  # the module is over: a late kick-off helps nobody
            owed_since = min(now, send - timedelta(days=1))  # so it sorts before the step
            self.kickoffs.setdefault(f"m{number}", []).append((plan, owed_since))

    def _reminders(self, plan: RolloutPlan, due: int, now: datetime) -> None:
        """One reminder, the next school morning, for a sent step nobody has answered."""
        for index in range(due, max(-1, due - REMINDER_LOOKBACK), -1):
            step = plan.steps[index]
            week = plan.week(index)
            day = plan.dates[index]
            if week is None or day is None or plan.week_closed(week, now):
                break
            if not step.asks:
                continue
            g = plan.group
            closes = week_closes_at(week, g.summary_weekday, g.summary_time, plan.org.timezone)
            at = reminder_at(day, plan.rollout.send_time, plan.org.timezone, plan.closed, closes)
            if at is None or at > now or local_date(at, plan.tz) != local_date(now, plan.tz):
                continue  # not yet, or its morning has passed (we were down, they were paused)
            self.reminders.setdefault((step.step_id, at, plan.tz), []).append(plan)


async def _steps(
    uow: UnitOfWork, wanted: dict[str, list[tuple[RolloutPlan, int, date]]], now: datetime
) -> list[dict[str, Any]]:
    """Today's step (the latest due one) to every staff member who has not had it. Earlier
    steps a member missed are not sent in a burst: the step message offers them to catch up."""
    rows = []
    for step_id, owed in wanted.items():
        by_rollout = {plan.rollout.id: (plan, index, week) for plan, index, week in owed}
        lacking = await uow.deliveries.lacking(Kind.STEP, Role.STAFF, step_id, by_rollout)
        for rollout_id, who in lacking:
            plan, index, week = by_rollout[rollout_id]
            rows.append(
                step_delivery(
                    rollout_id=rollout_id,
                    step_id=step_id,
                    member_id=who.member_id,
                    chat_id=who.chat_id,
                    group_id=plan.group.id,
                    week=week,
                    due_at=plan.send_at(index, who.send_time) or now,
                )
            )
    return rows


async def _reminders(
    uow: UnitOfWork, wanted: dict[tuple[str, datetime, str], list[RolloutPlan]]
) -> list[dict[str, Any]]:
    rows = []
    for (step_id, at, tz), plans in wanted.items():
        rollouts = [plan.rollout.id for plan in plans]
        rows += await uow.deliveries.reminders_owed(
            rollouts, step_id, sent_before=_start_of_day(at, tz), due_at=at
        )
    return rows


async def _kickoffs(
    uow: UnitOfWork, wanted: dict[str, list[tuple[RolloutPlan, datetime]]]
) -> list[dict[str, Any]]:
    rows = []
    for key, owed in wanted.items():
        by_rollout = {plan.rollout.id: (plan, since) for plan, since in owed}
        for rollout_id, who in await uow.deliveries.lacking(
            Kind.KICKOFF, Role.LEADER, key, by_rollout
        ):
            plan, since = by_rollout[rollout_id]
            rows.append(
                {
                    "kind": Kind.KICKOFF,
                    "dedupe_key": f"kick:{rollout_id}:{key}:{who.member_id}",
                    "chat_id": who.chat_id,
                    "member_id": who.member_id,
                    "group_id": plan.group.id,
                    "rollout_id": rollout_id,
                    "step_id": key,
                    "due_at": since,
                }
            )
    return rows


def _start_of_day(instant: datetime, tz: str) -> datetime:
    """Midnight (local) of the day `instant` falls on: a step caught up on the reminder's own
    day is not reminded of that same day."""
    return local_to_utc(local_date(instant, tz), time(0), tz)


def _last_index_of(plan: RolloutPlan, module_number: int) -> int:
    return max(i for i, ref in enumerate(plan.steps) if ref.module == module_number)


def _weeks_to_close(plan: RolloutPlan, now: datetime) -> list[date]:
    """The rollout's weeks whose summary moment has come, oldest first. Only steps already due
    can be in one: a week closes after every step it covers went out."""
    due = plan.due_index(now)
    if due is None:
        return []
    weeks = sorted({w for i in range(due + 1) if (w := plan.week(i)) is not None})
    return [w for w in weeks if plan.week_closed(w, now)]
