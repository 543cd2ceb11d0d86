"""Invite links in the admin menu, without Telegram: made with an expiry and a number of uses,
listed while usable, revoked with one press; a revoked, expired or used-up link lets nobody in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.invites import InviteProblem
from domain.model import Group, Invite, OrgKind, Role
from services import admin, admin_views
from services.joining import Joined, join
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school

NOW = oslo(MONDAY, 9)


async def made(
    uows: MemoryDatabase, role: Role, *, uses: int | None = None, days: int | None = None
) -> Invite:
    async with uows() as uow:
        invite = await admin.make_invite(
            uow, "berg/staff", role, NOW, max_uses=uses, expires_days=days
        )
        await uow.commit()
    return invite


async def listed(uows: MemoryDatabase, group: Group, at: datetime = NOW) -> list[str]:
    async with uows() as uow:
        return [i.code for i in await admin_views.usable_invites(uow, group, at)]


async def other_school(uows: MemoryDatabase) -> tuple[Group, str]:
    """Dal skole's staff group and its one staff invite."""
    async with uows() as uow:
        await admin.add_org(uow, "dal", "Dal skole", OrgKind.SCHOOL, "Europe/Oslo")
        group, _ = await admin.add_group(uow, "dal/staff", "Personalet")
        invite = await admin.make_invite(uow, "dal/staff", Role.STAFF, NOW)
        await uow.commit()
    return group, invite.code


async def test_a_made_invite_carries_its_limits_and_is_listed(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    invite = await made(uows, Role.LEADER, uses=3, days=30)
    assert (invite.role, invite.max_uses, invite.uses) == (Role.LEADER, 3, 0)
    assert invite.expires_at == NOW + timedelta(days=30)
    assert invite.code in await listed(uows, berg.group)
    async with uows() as uow:
        joined = await join(uow, invite.code, 501, NOW)
    assert isinstance(joined, Joined) and joined.role is Role.LEADER


async def test_an_invite_without_limits_never_expires(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    invite = await made(uows, Role.STAFF)
    assert (invite.max_uses, invite.expires_at) == (None, None)
    assert invite.code in await listed(uows, berg.group, NOW + timedelta(days=3650))


@pytest.mark.parametrize(("uses", "days"), [(0, None), (None, 0), (-1, 7)])
async def test_limits_below_one_are_refused_and_make_nothing(
    uows: MemoryDatabase, uses: int | None, days: int | None
) -> None:
    berg = await school(uows)
    before, commits = await listed(uows, berg.group), uows.commits
    with pytest.raises(admin.AdminError):
        await made(uows, Role.STAFF, uses=uses, days=days)
    assert uows.commits == commits
    assert await listed(uows, berg.group) == before


async def test_an_expired_invite_is_no_longer_listed_and_lets_nobody_in(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    invite = await made(uows, Role.STAFF, days=1)
    later = NOW + timedelta(days=1)
    assert invite.code in await listed(uows, berg.group, later - timedelta(seconds=1))
    assert invite.code not in await listed(uows, berg.group, later)
    async with uows() as uow:
        assert await join(uow, invite.code, 501, later) is InviteProblem.EXPIRED
        assert await uow.members.find(501) is None


async def test_a_used_up_invite_is_no_longer_listed_and_lets_nobody_else_in(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    invite = await made(uows, Role.STAFF, uses=2)
    for telegram_id in (501, 502):
        async with uows() as uow:
            assert isinstance(await join(uow, invite.code, telegram_id, NOW), Joined)
    assert invite.code not in await listed(uows, berg.group)
    async with uows() as uow:
        assert await join(uow, invite.code, 503, NOW) is InviteProblem.USED_UP


async def test_a_revoked_invite_is_gone_from_the_list_and_lets_nobody_in(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    async with uows() as uow:
        assert await admin_views.revoke_invite(uow, berg.group, berg.staff_code)
        await uow.commit()
    assert berg.staff_code not in await listed(uows, berg.group)
    assert berg.leader_code in await listed(uows, berg.group)  # the others stay
    async with uows() as uow:
        assert await join(uow, berg.staff_code, 501, NOW) is InviteProblem.REVOKED


async def test_another_groups_or_an_unknown_code_is_not_revoked(uows: MemoryDatabase) -> None:
    """A crafted button: Berg's group with Dal's code, or a made-up one."""
    berg = await school(uows)
    dal_group, dal_code = await other_school(uows)
    async with uows() as uow:
        assert not await admin_views.revoke_invite(uow, berg.group, dal_code)
        assert not await admin_views.revoke_invite(uow, berg.group, "no-such-code")
        await uow.commit()
    assert dal_code in await listed(uows, dal_group)
    async with uows() as uow:
        assert isinstance(await join(uow, dal_code, 501, NOW), Joined)


async def test_the_list_shows_only_the_groups_own_invites(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    dal_group, dal_code = await other_school(uows)
    assert sorted(await listed(uows, berg.group)) == sorted([berg.staff_code, berg.leader_code])
    assert await listed(uows, dal_group) == [dal_code]
