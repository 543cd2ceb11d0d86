"""Moving, pausing and cancelling a rollout from the admin menu, without Telegram: Berg skole's
staff run module 0 of skolemiljo (six steps) from Monday 23 November at 08:00, Monday to
Friday. (tests/service/test_rollouts_and_plans.py has the first moves and pauses.)"""

from __future__ import annotations

from datetime import date, time, timedelta
from functools import partial

import pytest

from content.loader import load_packages
from content.outline import outline
from domain.errors import NotFound
from domain.model import OrgKind, RolloutStatus
from domain.schedule_text import parse_weekdays
from services import admin, admin_views, rollouts, schedule
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school_with_rollout

STEPS = 6
WEEKDAYS = parse_weekdays("mon-fri")
CATALOGUE = load_packages()
PACKAGES = {p.id: tuple(m.number for m in p.modules) for p in CATALOGUE.values()}


def day(offset: int) -> date:
    return MONDAY + timedelta(days=offset)


async def step_dates(uows: MemoryDatabase) -> list[date | None]:
    async with uows() as uow:
        return (await admin.step_dates(uow, await admin.rollout(uow, 1), STEPS))[1]


async def test_a_move_shows_its_dates_before_anything_is_written(uows: MemoryDatabase) -> None:
    """The wizard's preview: the rollout as the move would leave it, the database untouched."""
    await school_with_rollout(uows)
    commits = uows.commits
    async with uows() as uow:
        found = await admin.rollout(uow, 1)
        organisation, dates = await admin.step_dates(uow, found, STEPS)
        wanted = admin.moved(
            found, dates, organisation.timezone, oslo(day(-1), 12),
            start=day(7), weekdays=parse_weekdays("mon,wed,fri"), send_time=time(9, 30),
        )  # fmt: skip
    assert (wanted.start, wanted.weekdays, wanted.send_time) == (
        day(7),
        parse_weekdays("mon,wed,fri"),
        time(9, 30),
    )
    assert uows.commits == commits
    assert await step_dates(uows) == [day(0), day(1), day(2), day(3), day(4), day(7)]


async def test_a_started_rollout_cannot_be_moved_into_the_past(uows: MemoryDatabase) -> None:
    """Wednesday 10:00, three steps out: asking for last Monday rewrites none of their days."""
    await school_with_rollout(uows)
    before = await step_dates(uows)
    async with uows() as uow:
        found = await admin.rollout(uow, 1)
        change = await admin.reschedule_rollout(
            uow, found, STEPS, oslo(day(2), 10),
            start=day(-7), weekdays=WEEKDAYS, send_time=time(8),
        )  # fmt: skip
        await uow.commit()
    assert change is admin.Change.UNCHANGED
    assert await step_dates(uows) == before


async def test_a_pause_after_todays_step_begins_tomorrow(uows: MemoryDatabase) -> None:
    await school_with_rollout(uows)
    async with uows() as uow:  # Monday 09:00: Monday's step is out; resumed on Thursday
        assert await admin.pause_rollout(uow, await admin.rollout(uow, 1), STEPS, oslo(day(0), 9))
        await uow.commit()
    async with uows() as uow:
        await admin.resume_rollout(uow, await admin.rollout(uow, 1), oslo(day(3), 7))
        await uow.commit()
    assert await step_dates(uows) == [day(0), day(3), day(4), day(7), day(8), day(9)]


async def test_a_paused_rollout_is_not_moved_until_resumed(uows: MemoryDatabase) -> None:
    await school_with_rollout(uows)
    async with uows() as uow:
        await admin.pause_rollout(uow, await admin.rollout(uow, 1), STEPS, oslo(day(-1), 12))
        await uow.commit()
    async with uows() as uow:
        paused = await admin.rollout(uow, 1)
        with pytest.raises(admin.AdminError, match="resume it first"):
            await admin.reschedule_rollout(
                uow, paused, STEPS, oslo(day(-1), 13),
                start=day(7), weekdays=WEEKDAYS, send_time=time(8),
            )  # fmt: skip
        assert await admin.resume_rollout(uow, paused, oslo(day(-1), 14)) is admin.Change.UPDATED
        await uow.commit()
    async with uows() as uow:
        resumed = await admin.rollout(uow, 1)
        assert resumed.status is RolloutStatus.ACTIVE
        assert await admin.resume_rollout(uow, resumed, oslo(day(-1), 15)) is (
            admin.Change.UNCHANGED
        )
    # paused and resumed before it began: the plan is as it was
    assert await step_dates(uows) == [day(0), day(1), day(2), day(3), day(4), day(7)]


async def test_a_cancelled_rollout_plans_nothing_more_and_cannot_be_moved(
    uows: MemoryDatabase,
) -> None:
    await school_with_rollout(uows)
    steps = partial(outline, CATALOGUE)
    async with uows() as uow:
        assert [p.rollout.id for p in await schedule.live_plans(uow, steps)] == [1]
        assert await admin.cancel_rollout(uow, await admin.rollout(uow, 1)) is admin.Change.UPDATED
        await uow.commit()
    async with uows() as uow:
        cancelled = await admin.rollout(uow, 1)
        assert cancelled.status is RolloutStatus.CANCELLED
        assert await admin.cancel_rollout(uow, cancelled) is admin.Change.UNCHANGED
        assert await schedule.live_plans(uow, steps) == []
        with pytest.raises(admin.AdminError):
            await admin.reschedule_rollout(
                uow, cancelled, STEPS, oslo(day(-1), 12),
                start=day(7), weekdays=WEEKDAYS, send_time=time(8),
            )  # fmt: skip
        assert await admin.resume_rollout(uow, cancelled, oslo(day(-1), 12)) is (
            admin.Change.UNCHANGED
        )
        await uow.commit()
    async with uows() as uow:
        assert (await admin.rollout(uow, 1)).status is RolloutStatus.CANCELLED


async def test_a_stale_draft_naming_another_organisations_group_or_rollout_is_refused(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    async with uows() as uow:
        dal, _ = await admin.add_org(uow, "dal", "Dal skole", OrgKind.SCHOOL, "Europe/Oslo")
        dal_group, _ = await admin.add_group(uow, "dal/staff", "Personalet")
        await uow.commit()
    async with uows() as uow:
        assert await admin_views.group_in(uow, berg.organisation, berg.group.id) == berg.group
        with pytest.raises(NotFound):
            await admin_views.group_in(uow, dal, berg.group.id)
        assert (await admin_views.rollout_in(uow, berg.group, 1)).package_id == "skolemiljo"
        with pytest.raises(NotFound):
            await admin_views.rollout_in(uow, dal_group, 1)
        with pytest.raises(admin.AdminError, match="no rollout #99"):
            await admin.rollout(uow, 99)
        with pytest.raises(admin.AdminError, match="no rollout #1"):
            await admin.rollout(uow, 1, allowed_orgs={dal.id})


async def test_a_second_rollout_sees_the_first_beside_it_and_counts_only_its_own_steps(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    request = admin.RolloutRequest("berg/staff", "skolemiljo", (1,), day(14), WEEKDAYS, time(8))
    async with uows() as uow:
        second, change = await admin.add_rollout(uow, request, PACKAGES)
        again, unchanged = await admin.add_rollout(uow, request, PACKAGES)
        await uow.commit()
    assert (change, unchanged, again.id) == (
        admin.Change.CREATED,
        admin.Change.UNCHANGED,
        second.id,
    )
    async with uows() as uow:
        first = await admin.rollout(uow, 1)
        assert [r.id for r in await admin_views.rollouts_beside(uow, berg.group, second)] == [1]
        assert [r.id for r in await admin_views.rollouts_beside(uow, berg.group, first)] == [
            second.id
        ]
        assert await admin_views.step_counts(uow, second) == {}


def wizard(
    group_id: int, start: date, *, rollout_id: int | None = None, weekdays: str = "mon-fri"
) -> rollouts.RolloutDraft:
    modules = (0,) if rollout_id else (1,)
    return rollouts.RolloutDraft(
        group_id, "skolemiljo", modules, start, parse_weekdays(weekdays), time(8), rollout_id
    )


async def test_a_wizard_draft_is_previewed_unsaved_then_saved_once(uows: MemoryDatabase) -> None:
    berg = await school_with_rollout(uows)
    draft = wizard(berg.group.id, day(14))
    commits = uows.commits
    async with uows() as uow:
        preview = await rollouts.drafted(uow, berg.organisation, draft, STEPS, oslo(day(0), 9))
    assert preview.rollout.id == rollouts.DRAFT_ID and preview.group == berg.group
    assert uows.commits == commits
    saved = []
    for _ in range(2):  # a second press of "save" adds no second rollout
        async with uows() as uow:
            made = await rollouts.save(
                uow, berg.organisation, draft, STEPS, PACKAGES, oslo(day(0), 9)
            )
            await uow.commit()
        saved.append(made.rollout.id)
    assert saved[0] == saved[1] != rollouts.DRAFT_ID
    async with uows() as uow:
        (_, second) = (await admin_views.group_overview(uow, berg.group)).rollouts
    assert (second.id, second.modules, second.start) == (saved[0], (1,), day(14))


async def test_a_wizard_move_is_saved_and_a_refused_one_writes_nothing(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    before = await step_dates(uows)
    tuesday = oslo(day(1), 10)  # two steps are out
    commits = uows.commits
    new_days = wizard(berg.group.id, day(14), rollout_id=1, weekdays="mon,wed")
    later = wizard(berg.group.id, day(14), rollout_id=1)
    async with uows() as uow:
        with pytest.raises(admin.AdminError, match="weekdays stay"):
            await rollouts.save(uow, berg.organisation, new_days, STEPS, PACKAGES, tuesday)
    assert uows.commits == commits
    async with uows() as uow:
        moved = await rollouts.save(uow, berg.organisation, later, STEPS, PACKAGES, tuesday)
        await uow.commit()
    assert moved.rollout.id == 1
    after = await step_dates(uows)
    assert after[:2] == before[:2] and after[2] == day(14)


async def test_a_wizard_draft_for_another_organisations_group_is_refused(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    async with uows() as uow:
        dal, _ = await admin.add_org(uow, "dal", "Dal skole", OrgKind.SCHOOL, "Europe/Oslo")
        await uow.commit()
    commits = uows.commits
    async with uows() as uow:
        for draft in (wizard(berg.group.id, day(14)), wizard(berg.group.id, day(14), rollout_id=1)):
            with pytest.raises(NotFound):
                await rollouts.save(uow, dal, draft, STEPS, PACKAGES, oslo(day(0), 9))
    assert uows.commits == commits
    async with uows() as uow:
        assert len((await admin_views.group_overview(uow, berg.group)).rollouts) == 1
