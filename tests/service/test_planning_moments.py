"""The clock plans a group only when its next owed moment has come or its plan's data changed:
what staff and leaders notice is that nothing goes missing between those moments.

Berg skole's staff run module 0 of skolemiljo from Monday at 08:00, Monday to Friday; the week
closes on Friday at 14:00."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta

import pytest

from content.loader import load_packages
from domain.deliveries import Kind
from domain.model import Member, Role
from domain.schedule_text import parse_weekdays
from services import admin, planning, staff
from services.pacing import BOOKED_SHARE, Pacing
from services.planning import plan_all_anew, plan_due
from services.unit_of_work import UnitOfWork
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, oslo, school, school_with_rollout
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


async def morning_of_five_schools(uows: MemoryDatabase) -> dict[int, datetime]:
    """Five staff groups of three, all owed Monday's 08:00 step by a bot with room for two
    sends a minute: telegram id -> the minute each step was booked into."""
    await school(uows)
    packages = {p.id: tuple(m.number for m in p.modules) for p in load_packages().values()}
    codes = []
    async with uows() as uow:
        for n in range(5):
            await admin.add_group(uow, f"berg/g{n}", f"Gruppe {n}")
            request = admin.RolloutRequest(
                f"berg/g{n}", "skolemiljo", (0,), MONDAY, parse_weekdays("mon-fri"), time(8)
            )
            await admin.add_rollout(uow, request, packages)
            invite = await admin.make_invite(uow, f"berg/g{n}", Role.STAFF, oslo(MONDAY, 7))
            codes.append(invite.code)
        await uow.commit()
    staff = [
        await joined(uows, code, 600 + 10 * n + i) for n, code in enumerate(codes) for i in range(3)
    ]
    pacing = Pacing(messages_per_second=2 / 60 / BOOKED_SHARE, default_bot=1)
    assert pacing.capacity == 2
    assert (await tick(uows, oslo(MONDAY, 8), pacing)).steps == 15
    async with uows() as uow:
        return {
            m.telegram_id: d.due_at for m in staff for d in await uow.deliveries.of_member(m.id)
        }


async def test_a_morning_planned_in_batches_is_booked_as_at_once_each_school_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    at_once = await morning_of_five_schools(await MemoryDatabase.create())
    monkeypatch.setattr(planning, "GROUPS_PER_BATCH", 2)
    in_batches = await morning_of_five_schools(await MemoryDatabase.create())

    assert in_batches == at_once
    assert sorted(set(at_once.values())) == [oslo(MONDAY, 8, m) for m in range(8)]
    for school_staff in ([600 + 10 * n + i for i in range(3)] for n in range(5)):
        minutes = sorted(at_once[telegram_id] for telegram_id in school_staff)
        assert minutes[-1] - minutes[0] <= timedelta(minutes=1)  # a school's staff together
