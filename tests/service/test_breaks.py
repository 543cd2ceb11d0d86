"""An organisation's breaks, without Telegram: Berg skole's staff run module 0 of skolemiljo
(six steps) from Monday 23 November at 08:00, Monday to Friday; a break closes days and the
later steps shift past it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.model import Break, DateRange
from services import admin, admin_views, plans
from services.admin import Change
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school_with_rollout

STEPS = 6
SUNDAY = MONDAY - timedelta(days=1)


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


async def step_dates(uows: MemoryDatabase) -> list[date | None]:
    async with uows() as uow:
        return (await admin.step_dates(uow, await admin.rollout(uow, 1), STEPS))[1]


async def breaks(uows: MemoryDatabase) -> tuple[Break, ...]:
    async with uows() as uow:
        return (await admin_views.organisation(uow, 1)).breaks


async def add(uows: MemoryDatabase, name: str, start: date, end: date, now: datetime) -> Change:
    async with uows() as uow:
        _, _, change = await plans.add_break(uow, "berg", name, start, end, now)
        await uow.commit()
    return change


async def test_a_break_shifts_the_later_steps_and_removing_it_brings_them_back(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    before = await step_dates(uows)
    assert before == [day(0), day(1), day(2), day(3), day(4), day(7)]
    assert await add(uows, "Planleggingsdager", day(2), day(3), oslo(SUNDAY, 12)) is Change.CREATED
    assert await breaks(uows) == (Break("Planleggingsdager", DateRange(day(2), day(3))),)
    assert await step_dates(uows) == [day(0), day(1), day(4), day(7), day(8), day(9)]
    async with uows() as uow:
        _, removed = await plans.remove_break(uow, "berg", day(2), oslo(SUNDAY, 12))
        await uow.commit()
    assert removed.name == "Planleggingsdager"
    assert await breaks(uows) == ()
    assert await step_dates(uows) == before


async def test_the_same_break_again_changes_nothing_and_a_new_end_moves_it(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    sunday = oslo(SUNDAY, 12)
    assert await add(uows, "Juleferie", day(28), day(42), sunday) is Change.CREATED
    assert await add(uows, "Juleferie", day(28), day(42), sunday) is Change.UNCHANGED
    assert await add(uows, "Juleferie", day(28), day(43), sunday) is Change.UPDATED
    assert await breaks(uows) == (Break("Juleferie", DateRange(day(28), day(43))),)


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("Vinterferie", day(14), day(10)),  # ends before it starts
        ("   ", day(14), day(18)),  # no name
        ("V" * (admin.BREAK_NAME_MAX + 1), day(14), day(18)),  # a name no column holds
    ],
    ids=["backwards", "no-name", "long-name"],
)
async def test_a_bad_range_or_name_is_refused_and_writes_nothing(
    uows: MemoryDatabase, name: str, start: date, end: date
) -> None:
    await school_with_rollout(uows)
    commits = uows.commits
    with pytest.raises(admin.AdminError):
        await add(uows, name, start, end, oslo(SUNDAY, 12))
    assert uows.commits == commits
    assert await breaks(uows) == ()


async def test_days_a_running_rollout_has_sent_on_cannot_be_closed_or_reopened(
    uows: MemoryDatabase,
) -> None:
    """Step dates are worked out again on every tick: changing a past day would shift steps
    already sent."""
    await school_with_rollout(uows)
    assert await add(uows, "Skolefri", day(1), day(4), oslo(SUNDAY, 12)) is Change.CREATED
    before = await step_dates(uows)
    thursday = oslo(day(3), 10)
    commits = uows.commits
    with pytest.raises(admin.AdminError, match="days before today"):
        await add(uows, "Fridag", day(0), day(0), thursday)  # Monday, gone by
    with pytest.raises(admin.AdminError, match="days before today"):
        async with uows() as uow:
            await plans.remove_break(uow, "berg", day(1), thursday)  # reopens Tuesday
    with pytest.raises(admin.AdminError, match="days before today"):
        await add(uows, "Skolefri", day(1), day(1), thursday)  # reopens Wednesday
    assert uows.commits == commits
    assert await step_dates(uows) == before
    # from today on is still the admin's to change: Friday reopens
    assert await add(uows, "Skolefri", day(1), day(3), thursday) is Change.UPDATED
    assert (await step_dates(uows))[1] == day(4)


async def test_removing_a_break_that_is_not_there_or_of_no_organisation_is_refused(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    await add(uows, "Juleferie", day(28), day(42), oslo(SUNDAY, 12))
    async with uows() as uow:
        with pytest.raises(admin.AdminError, match="its breaks start on"):
            await plans.remove_break(uow, "berg", day(29), oslo(SUNDAY, 12))
        with pytest.raises(admin.AdminError, match="no organisation"):
            await plans.add_break(uow, "dal", "Juleferie", day(28), day(42), oslo(SUNDAY, 12))
    assert [b.name for b in await breaks(uows)] == ["Juleferie"]
