"""What `refleks admin` shows and does beside services.admin: an organisation's admins, its
rollouts with their step dates, and the status of everything."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from domain.model import OrgKind
from domain.schedule_text import parse_weekdays
from services import admin, cli_tasks, membership, plans
from services.joining import Joined, join
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school

PACKAGES = {"skolemiljo": (0, 1)}  # the modules each package has
NOW = oslo(MONDAY - timedelta(days=7), 12)


def six_steps(package_id: str, modules: tuple[int, ...]) -> int:
    """Module 0 of skolemiljo has six steps (the CLI asks the content)."""
    assert (package_id, modules) == ("skolemiljo", (0,))
    return 6


async def add_rollout(uows: MemoryDatabase, path: str = "berg/staff") -> int:
    request = admin.RolloutRequest(
        path, "skolemiljo", (0,), MONDAY, parse_weekdays("mon-fri"), time(8)
    )
    async with uows() as uow:
        found, _ = await admin.add_rollout(uow, request, PACKAGES)
        await uow.commit()
    return found.id


async def test_making_someone_an_admin_twice_adds_them_once(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    async with uows() as uow:
        _, first = await cli_tasks.add_org_admin(uow, "berg", 777)
        found, again = await cli_tasks.add_org_admin(uow, "berg", 777)
        await uow.commit()
    assert (first, again) == (admin.Change.CREATED, admin.Change.UNCHANGED)
    assert found.id == berg.organisation.id
    async with uows() as uow:
        assert await uow.orgs.admins(berg.organisation.id) == [777]


async def test_an_admin_of_an_unknown_organisation_is_refused(uows: MemoryDatabase) -> None:
    await school(uows)
    async with uows() as uow:
        with pytest.raises(admin.AdminError, match="nope"):
            await cli_tasks.add_org_admin(uow, "nope", 777)


async def test_a_rollout_shows_where_it_runs_and_its_step_days_around_a_break(
    uows: MemoryDatabase,
) -> None:
    await school(uows)
    rollout_id = await add_rollout(uows)
    tuesday = MONDAY + timedelta(days=1)
    async with uows() as uow:
        await plans.add_break(uow, "berg", "Planleggingsdag", tuesday, tuesday, NOW)
        await uow.commit()
    async with uows() as uow:
        view = await cli_tasks.rollout_view(uow, rollout_id, six_steps)
    assert view.path == "berg/staff" and view.rollout.id == rollout_id
    days = [MONDAY + timedelta(days=n) for n in (0, 2, 3, 4, 7, 8)]  # Tuesday skipped
    assert view.step_dates == tuple(days)


async def test_rollouts_are_listed_by_group_by_organisation_or_all_cancelled_ones_too(
    uows: MemoryDatabase,
) -> None:
    await school(uows)
    async with uows() as uow:
        await admin.add_group(uow, "berg/leaders", "Ledelsen")
        await admin.add_org(uow, "dal", "Dal skole", OrgKind.SCHOOL, "Europe/Oslo")
        await admin.add_group(uow, "dal/staff", "Personalet")
        await uow.commit()
    staff, leaders, dal = [
        await add_rollout(uows, p) for p in ("berg/staff", "berg/leaders", "dal/staff")
    ]
    async with uows() as uow:
        await admin.cancel_rollout(uow, await admin.rollout(uow, leaders))
        await uow.commit()

    async with uows() as uow:
        by_group = await cli_tasks.rollouts_in(uow, "berg/staff", six_steps)
        by_org = await cli_tasks.rollouts_in(uow, "berg", six_steps)
        everything = await cli_tasks.rollouts_in(uow, None, six_steps)
        with pytest.raises(admin.AdminError):
            await cli_tasks.rollouts_in(uow, "berg/nope", six_steps)
    assert [v.rollout.id for v in by_group] == [staff]
    assert [(v.rollout.id, v.rollout.status) for v in by_org] == [
        (staff, "active"),
        (leaders, "cancelled"),
    ]
    assert sorted(v.rollout.id for v in everything) == sorted([staff, leaders, dal])


async def test_status_counts_who_is_in_each_group_and_joined_this_week(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    rollout_id = await add_rollout(uows)
    for telegram_id, code in (
        (501, berg.staff_code),
        (502, berg.staff_code),
        (601, berg.leader_code),
    ):
        async with uows() as uow:
            assert isinstance(await join(uow, code, telegram_id, oslo(MONDAY, 9)), Joined)
            await uow.commit()

    async with uows() as uow:
        [seen] = await cli_tasks.status(uow, None, MONDAY, six_steps)
        assert [
            o.organisation.slug for o in await cli_tasks.status(uow, "berg", MONDAY, six_steps)
        ] == ["berg"]
    [group] = seen.groups
    assert (seen.organisation.slug, group.group.slug) == ("berg", "staff")
    assert (group.staff, group.leaders) == (2, 1)
    assert group.joined_per_week[-1] == 3 and sum(group.joined_per_week) == 3
    assert [v.rollout.id for v in group.rollouts] == [rollout_id]


async def test_status_leaves_out_cancelled_rollouts(uows: MemoryDatabase) -> None:
    await school(uows)
    rollout_id = await add_rollout(uows)
    async with uows() as uow:
        await admin.cancel_rollout(uow, await admin.rollout(uow, rollout_id))
        await uow.commit()
    async with uows() as uow:
        [seen] = await cli_tasks.status(uow, None, MONDAY, six_steps)
    assert seen.groups[0].rollouts == ()


async def test_status_of_an_empty_installation_is_empty(uows: MemoryDatabase) -> None:
    async with uows() as uow:
        assert await cli_tasks.status(uow, None, MONDAY, six_steps) == []
        with pytest.raises(admin.AdminError):
            await cli_tasks.status(uow, "berg", MONDAY, six_steps)


async def test_a_member_removed_from_a_group_no_longer_counts_in_its_status(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    async with uows() as uow:
        assert isinstance(await join(uow, berg.staff_code, 501, oslo(MONDAY, 9)), Joined)
        await uow.commit()
    async with uows() as uow:
        assert await membership.remove(uow, berg.group.id, 501) is not None
        await uow.commit()
    async with uows() as uow:
        [seen] = await cli_tasks.status(uow, "berg", MONDAY, six_steps)
    assert (seen.groups[0].staff, seen.groups[0].leaders) == (0, 0)
