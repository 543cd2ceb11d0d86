"""Joining through an invite link, without Telegram."""

from __future__ import annotations

from domain.invites import InviteProblem
from domain.model import Role
from services.joining import Joined, join
from services.unit_of_work import UnitOfWork
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, oslo, school

NOW = oslo(MONDAY, 9)


async def test_an_invite_joins_its_group_with_its_role_and_counts_a_use(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    async with uows() as uow:
        joined = await join(uow, berg.leader_code, 501, NOW, display_name="Rektor Rask")
    assert isinstance(joined, Joined) and joined.new
    assert (joined.group.id, joined.role) == (berg.group.id, Role.LEADER)
    async with uows() as uow:
        assert [m.telegram_id for m in await uow.members.of_group(berg.group.id, Role.LEADER)] == [
            501
        ]
        invite = await uow.invites.find(berg.leader_code)
    assert invite is not None and invite.uses == 1


async def test_joining_again_is_not_a_second_use(uows: MemoryDatabase) -> None:
    berg = await school(uows)
    for _ in range(2):
        async with uows() as uow:
            joined = await join(uow, berg.staff_code, 501, NOW)
    assert isinstance(joined, Joined) and not joined.new
    async with uows() as uow:
        invite = await uow.invites.find(berg.staff_code)
    assert invite is not None and invite.uses == 1


async def test_two_people_racing_for_the_last_use_one_gets_in(uows: MemoryDatabase) -> None:
    """The second reads the invite while it still has a use, then the first takes it."""
    berg = await school(uows, max_uses=1)

    async def the_other_joins_first(uow: UnitOfWork, code: str) -> None:
        read = uow.invites.find

        async def read_then_lose_the_race(found: str) -> object:
            invite = await read(found)
            async with uows() as other:
                assert isinstance(await join(other, code, 601, NOW), Joined)
            return invite

        uow.invites.find = read_then_lose_the_race  # type: ignore[method-assign]

    async with uows() as uow:
        await the_other_joins_first(uow, berg.staff_code)
        assert await join(uow, berg.staff_code, 602, NOW) is InviteProblem.USED_UP
    async with uows() as uow:
        assert [m.telegram_id for m in await uow.members.of_group(berg.group.id, Role.STAFF)] == [
            601
        ]
        assert await uow.members.find(602) is None  # the loser left nothing behind


async def test_a_bad_code_joins_nothing_and_commits_nothing(uows: MemoryDatabase) -> None:
    await school(uows)
    commits = uows.commits
    for code in ("", "x" * 300, "not-a-code!", "<b>AAAAAAAAAAAAAAAA</b>", "A" * 16):
        async with uows() as uow:
            assert await join(uow, code, 501, NOW) is InviteProblem.UNKNOWN
    assert uows.commits == commits
    async with uows() as uow:
        assert await uow.members.find(501) is None
