"""The clock's daily housekeeping, without a clock."""

from __future__ import annotations

from datetime import timedelta

from services import housekeeping, staff
from services.weekly import WeekSummaries
from tests.service.answering_help import CATALOGUE, OUTLINE
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, school

RETENTION = timedelta(weeks=26)


async def test_a_pause_until_a_day_ends_after_it_and_the_update_log_forgets_a_week_on(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    anne = await joined(uows, berg.staff_code, 501)
    thursday = MONDAY + timedelta(days=3)
    async with uows() as uow:
        assert await staff.pause(uow, anne, thursday, today=MONDAY)
        assert await uow.updates.first_time(1, 9001, MONDAY)
        await uow.commit()
    summaries = WeekSummaries(CATALOGUE, 5, OUTLINE)
    await housekeeping.daily(uows, thursday, RETENTION, summaries)
    async with uows() as uow:
        assert (await uow.members.get(anne.id)).paused  # Thursday: the last day paused
    friday = thursday + timedelta(days=1)
    await housekeeping.daily(uows, friday, RETENTION, summaries)
    async with uows() as uow:
        assert not (await uow.members.get(anne.id)).paused  # Friday: the steps come again
        assert not await uow.updates.first_time(1, 9001, friday)  # still remembered
    await housekeeping.daily(uows, MONDAY + timedelta(days=8), RETENTION, summaries)
    async with uows() as uow:
        assert await uow.updates.first_time(1, 9001, MONDAY + timedelta(days=8))  # forgotten
