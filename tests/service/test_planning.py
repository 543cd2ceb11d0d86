"""Planning what is due: the clock's use case, ticked by hand at the moments that matter.

Berg skole's staff group runs module 0 of skolemiljo (six steps that ask something) from Monday
at 08:00, Monday to Friday; its week closes on Friday at 14:00."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache, partial

from content.loader import load_packages
from content.outline import outline
from domain.deliveries import Delivery, Kind
from domain.model import Member
from domain.plan import RolloutPlan
from services import membership, plans
from services.pacing import Pacing
from services.planning import CloseWeek, PlanReport, plan_due
from services.schedule import Outline
from services.unit_of_work import UnitOfWork
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, oslo, school_with_rollout

TUESDAY = MONDAY + timedelta(days=1)
FRIDAY = MONDAY + timedelta(days=4)
SUNDAY = MONDAY - timedelta(days=1)
FIRST_STEP, SECOND_STEP = "s0-1", "s0-2"


@cache
def steps() -> Outline:
    return partial(outline, load_packages())


async def tick(
    uows: MemoryDatabase,
    now: datetime,
    pacing: Pacing | None = None,
    close_week: CloseWeek | None = None,
) -> PlanReport:
    return await plan_due(uows, steps(), now, close_week=close_week, pacing=pacing)


async def owed_to(uows: MemoryDatabase, member: Member, kind: str = Kind.STEP) -> list[Delivery]:
    async with uows() as uow:
        return [d for d in await uow.deliveries.of_member(member.id) if d.kind == kind]


async def test_on_monday_each_staff_member_is_owed_the_first_step_at_send_time_not_before(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne, bo = [await joined(uows, berg.staff_code, t) for t in (501, 502)]

    early = await tick(uows, oslo(MONDAY, 7, 59))
    assert early.total == 0
    assert await owed_to(uows, anne) == [] and await owed_to(uows, bo) == []

    on_time = await tick(uows, oslo(MONDAY, 8))
    assert on_time.steps == 2
    for member in (anne, bo):
        [step] = await owed_to(uows, member)
        assert (step.step_id, step.due_at, step.chat_id) == (
            FIRST_STEP,
            oslo(MONDAY, 8),
            member.telegram_id,
        )


async def test_a_member_with_a_send_time_of_their_own_is_owed_the_step_at_it(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne, bo = [await joined(uows, berg.staff_code, t) for t in (501, 502)]
    async with uows() as uow:
        await uow.members.set_send_time(bo.id, time(14, 30))
        await uow.commit()

    await tick(uows, oslo(MONDAY, 8))

    assert [s.due_at for s in await owed_to(uows, anne)] == [oslo(MONDAY, 8)]
    assert [s.due_at for s in await owed_to(uows, bo)] == [oslo(MONDAY, 14, 30)]


async def test_a_paused_member_is_owed_nothing_while_the_others_get_the_step(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne, bo = [await joined(uows, berg.staff_code, t) for t in (501, 502)]
    async with uows() as uow:
        await uow.members.pause(bo.id, until=None)
        await uow.commit()

    report = await tick(uows, oslo(MONDAY, 8))

    assert report.steps == 1
    assert [s.step_id for s in await owed_to(uows, anne)] == [FIRST_STEP]
    assert await owed_to(uows, bo) == []


async def test_the_same_tick_twice_writes_each_step_once(uows: MemoryDatabase) -> None:
    """As after a restart, or with a second instance: the delivery's key makes it once."""
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    pacing = Pacing(messages_per_second=25, default_bot=1)

    first = await tick(uows, oslo(MONDAY, 8), pacing)
    again = await tick(uows, oslo(MONDAY, 8), pacing)
    later = await tick(uows, oslo(MONDAY, 8, 5), pacing)

    assert (first.steps, again.total, later.total) == (1, 0, 0)
    [step] = await owed_to(uows, anne)
    assert step.step_id == FIRST_STEP and step.due_at >= oslo(MONDAY, 8)


async def test_a_break_day_owes_nothing_and_the_plan_moves_on_by_a_day(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        await plans.add_break(uow, "berg", "Planleggingsdag", MONDAY, MONDAY, oslo(SUNDAY, 12))
        await uow.commit()

    assert (await tick(uows, oslo(MONDAY, 8))).total == 0
    assert await owed_to(uows, anne) == []

    await tick(uows, oslo(TUESDAY, 8))
    assert [(s.step_id, s.due_at) for s in await owed_to(uows, anne)] == [
        (FIRST_STEP, oslo(TUESDAY, 8))
    ]


async def test_leaders_get_the_module_kick_off_the_day_before_and_staff_do_not(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    leader = await joined(uows, berg.leader_code, 601)
    anne = await joined(uows, berg.staff_code, 501)

    assert (await tick(uows, oslo(SUNDAY, 7, 59))).kickoffs == 0
    assert (await tick(uows, oslo(SUNDAY, 8))).kickoffs == 1
    assert (await tick(uows, oslo(SUNDAY, 9))).kickoffs == 0  # once

    [kickoff] = await owed_to(uows, leader, Kind.KICKOFF)
    assert (kickoff.step_id, kickoff.due_at) == ("m0", oslo(SUNDAY, 8))
    assert await owed_to(uows, leader) == []  # a leader is not sent the staff's steps
    assert await owed_to(uows, anne, Kind.KICKOFF) == []


async def test_a_step_sent_and_unanswered_is_reminded_once_the_next_school_morning(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    await tick(uows, oslo(MONDAY, 8))
    [step] = await owed_to(uows, anne)
    async with uows() as uow:
        await uow.deliveries.mark_sent(step.id, 1, oslo(MONDAY, 8, 1))
        await uow.commit()

    assert (await tick(uows, oslo(MONDAY, 20))).reminders == 0  # not the same day
    tuesday = await tick(uows, oslo(TUESDAY, 8))
    assert (tuesday.steps, tuesday.reminders) == (1, 1)
    assert (await tick(uows, oslo(TUESDAY, 9))).reminders == 0

    [reminder] = await owed_to(uows, anne, Kind.REMINDER)
    assert (reminder.step_id, reminder.due_at) == (FIRST_STEP, oslo(TUESDAY, 8))
    assert [s.step_id for s in await owed_to(uows, anne)] == [FIRST_STEP, SECOND_STEP]


async def test_a_week_is_closed_for_its_summary_once_its_moment_has_come(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    closed: list[tuple[int, date]] = []

    async def close_week(uow: UnitOfWork, plan: RolloutPlan, week: date, now: datetime) -> int:
        closed.append((plan.group.id, week))
        return 1

    before = await tick(uows, oslo(FRIDAY, 13, 59), close_week=close_week)
    assert (before.summaries, closed) == (0, [])

    after = await tick(uows, oslo(FRIDAY, 14), close_week=close_week)
    assert closed == [(berg.group.id, MONDAY)]
    assert (after.summaries, after.weeks_closed) == (1, [(berg.group.id, MONDAY)])


async def test_leaving_the_group_ends_what_a_member_is_owed(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        assert await membership.remove(uow, berg.group.id, anne.telegram_id) is not None
        await uow.commit()

    assert (await tick(uows, oslo(MONDAY, 8))).steps == 0
    assert await owed_to(uows, anne) == []
