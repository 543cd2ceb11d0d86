"""The clock plans a group only when its next owed moment has come or its plan's data changed:
what staff and leaders notice is that nothing goes missing between those moments.

Berg skole's staff run module 0 of skolemiljo from Monday at 08:00, Monday to Friday; the week
closes on Friday at 14:00."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from domain.deliveries import Kind
from domain.model import Member
from services import staff
from services.planning import plan_all_anew, plan_due
from services.unit_of_work import UnitOfWork
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, oslo, school_with_rollout
from tests.service.test_planning import steps, tick

TUESDAY = MONDAY + timedelta(days=1)


async def due_groups(uows: MemoryDatabase, at: datetime) -> set[int]:
    async with uows() as uow:
        return set(await uow.groups.due_for_planning(at))


async def steps_of(uows: MemoryDatabase, member: Member) -> list[str]:
    async with uows() as uow:
        return [d.step_id for d in await uow.deliveries.of_member(member.id) if d.kind == Kind.STEP]


async def test_after_planning_a_group_waits_for_its_next_step_reminder_or_summary(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    await joined(uows, berg.staff_code, 501)

    await tick(uows, oslo(MONDAY, 8))

    assert await due_groups(uows, oslo(MONDAY, 8, 1)) == set()
    assert await due_groups(uows, oslo(TUESDAY, 7, 59)) == set()
    assert await due_groups(uows, oslo(TUESDAY, 8)) == {berg.group.id}


async def test_someone_who_joins_between_two_moments_gets_todays_step_at_the_next_tick(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    await joined(uows, berg.staff_code, 501)
    await tick(uows, oslo(MONDAY, 8))

    late = await joined(uows, berg.staff_code, 502, at=oslo(MONDAY, 10))
    report = await tick(uows, oslo(MONDAY, 10, 1))

    assert report.steps == 1
    assert await steps_of(uows, late) == ["s0-1"]


async def test_a_member_back_from_a_pause_gets_todays_step_at_the_next_tick(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        await staff.pause(uow, anne, None, MONDAY)
        await uow.commit()
    assert (await tick(uows, oslo(MONDAY, 8))).steps == 0

    async with uows() as uow:
        await staff.resume(uow, await uow.members.get(anne.id))
        await uow.commit()

    assert (await tick(uows, oslo(MONDAY, 9))).steps == 1
    assert await steps_of(uows, anne) == ["s0-1"]


class JoinWhilePlanning:
    """A unit-of-work factory for plan_due in which someone joins after the tick read the
    groups and before it marks them settled (the second unit of work it opens)."""

    def __init__(self, uows: MemoryDatabase, join: Callable[[], Awaitable[object]]) -> None:
        self.uows, self.join, self.opened = uows, join, 0

    def __call__(self) -> JoinWhilePlanning:
        self.opened += 1
        self.uow = self.uows()
        return self

    async def __aenter__(self) -> UnitOfWork:
        if self.opened == 2:
            await self.join()
        return await self.uow.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await self.uow.__aexit__(*exc)  # type: ignore[arg-type]


async def test_someone_who_joins_while_a_tick_plans_is_planned_by_the_next_tick(
    uows: MemoryDatabase,
) -> None:
    """The tick read the group before Bo joined: it must not mark the group settled."""
    berg = await school_with_rollout(uows)
    await joined(uows, berg.staff_code, 501)
    bo: list[Member] = []

    async def bo_joins() -> None:
        bo.append(await joined(uows, berg.staff_code, 502, at=oslo(MONDAY, 8)))

    first = await plan_due(JoinWhilePlanning(uows, bo_joins), steps(), oslo(MONDAY, 8))
    assert first.steps == 1 and len(bo) == 1

    assert await due_groups(uows, oslo(MONDAY, 8, 1)) == {berg.group.id}
    assert (await tick(uows, oslo(MONDAY, 8, 1))).steps == 1
    assert await steps_of(uows, bo[0]) == ["s0-1"]


async def test_a_new_version_plans_every_group_at_its_first_tick(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    await tick(uows, oslo(MONDAY, 8))
    assert await due_groups(uows, oslo(MONDAY, 9)) == set()

    await plan_all_anew(uows)

    assert await due_groups(uows, oslo(MONDAY, 9)) == {berg.group.id}
