"""A member leaving a group with /leave, without Telegram: out of that group at once, owed
nothing more by it, and still in the others; what they answered stays in its summaries."""

from __future__ import annotations

from datetime import timedelta

from domain.model import Member, Role
from services import admin, membership, staff
from services.planning import plan_due
from tests.service.answering_help import OUTLINE, answer_all, owe_and_send
from tests.service.fakes import MemoryDatabase
from tests.service.seed import MONDAY, joined, oslo, school, school_with_rollout

TUESDAY = MONDAY + timedelta(days=1)


async def second_group(uows: MemoryDatabase, path: str = "berg/kantine") -> tuple[int, str]:
    """Another group of Berg skole, running nothing: (its id, a staff invite code)."""
    async with uows() as uow:
        group, _ = await admin.add_group(uow, path, "Kantina")
        invite = await admin.make_invite(uow, path, Role.STAFF, oslo(MONDAY, 7))
        await uow.commit()
    return group.id, invite.code


async def groups_of(uows: MemoryDatabase, member: Member) -> list[int]:
    async with uows() as uow:
        return [g.id for g in await staff.groups_of(uow, member)]


async def test_leaving_a_group_keeps_the_others_and_stops_what_it_sends(
    uows: MemoryDatabase,
) -> None:
    berg = await school_with_rollout(uows)
    kantine, kantine_code = await second_group(uows)
    anne = await joined(uows, berg.staff_code, 501)
    await joined(uows, kantine_code, 501)
    await owe_and_send(uows, oslo(MONDAY, 8))
    assert [a.outcome.value for a in await answer_all(uows, anne, oslo(MONDAY, 9))] == ["stored"]
    await plan_due(uows, OUTLINE, oslo(TUESDAY, 8))  # Tuesday's step: queued, not yet sent
    async with uows() as uow:
        queued = [(d.step_id, d.status) for d in await uow.deliveries.of_member(anne.id)]
    assert queued == [("s0-1", "sent"), ("s0-2", "pending")]
    commits = uows.commits

    async with uows() as uow:
        left = await membership.leave_by_choice(uow, anne, berg.group.id)
        # no commit here: the use case committed, so a failing reply cannot undo the leaving
    assert left is not None and not left.unlinked_chat
    assert uows.commits == commits + 1
    assert await groups_of(uows, anne) == [kantine]
    async with uows() as uow:
        kept = [d.step_id for d in await uow.deliveries.of_member(anne.id)]
        answers = await uow.answers.unshown(berg.group.id, MONDAY)
    assert kept == ["s0-1"]  # what was sent stays sent; Tuesday's queued step is gone
    assert len(answers) == 1  # her anonymous answer still counts in the group's summary
    await owe_and_send(uows, oslo(TUESDAY + timedelta(days=1), 8))  # the clock on Wednesday
    async with uows() as uow:
        assert [d.step_id for d in await uow.deliveries.of_member(anne.id)] == ["s0-1"]


async def test_a_stale_leave_button_names_no_group_and_leaves_nothing(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    kantine, _ = await second_group(uows)
    anne = await joined(uows, berg.staff_code, 501)
    async with uows() as uow:
        assert await staff.group_of(uow, anne, kantine) is None  # a group she is not in
        assert await staff.group_of(uow, None, berg.group.id) is None  # a stranger
        found = await staff.group_of(uow, anne, berg.group.id)
    assert found is not None and found.id == berg.group.id
    async with uows() as uow:
        assert await membership.leave_by_choice(uow, anne, kantine) is None
    assert await groups_of(uows, anne) == [berg.group.id]
    async with uows() as uow:
        assert await membership.leave_by_choice(uow, anne, berg.group.id) is not None
    async with uows() as uow:  # the confirmation pressed again
        assert await staff.group_of(uow, anne, berg.group.id) is None
        assert await membership.leave_by_choice(uow, anne, berg.group.id) is None
    assert await groups_of(uows, anne) == []
    async with uows() as uow:
        assert await uow.members.find(501) is not None  # leaving is not forgetting


async def test_a_leader_who_leaves_unlinks_the_staff_chat_and_stops_leading(
    uows: MemoryDatabase,
) -> None:
    berg = await school(uows)
    rektor = await joined(uows, berg.leader_code, 601)
    async with uows() as uow:
        await membership.link_chat(uow, berg.group, -1001)
        await uow.commit()
    async with uows() as uow:
        left = await membership.leave_by_choice(uow, rektor, berg.group.id)
    assert left is not None and left.unlinked_chat
    async with uows() as uow:
        assert (await uow.groups.get(berg.group.id)).linked_chat_id is None
        now_is = await staff.standing(uow, 601, rektor, frozenset())
    assert now_is == staff.Standing(admin=False, leader=False)  # the leader's menu goes
