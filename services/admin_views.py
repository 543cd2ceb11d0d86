"""What the admin screens read: an organisation, a group or a rollout afresh after a change,
a group's overview, its usable invites, and the organisation's admins. Plain reads; the
changes are services.admin's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.deliveries import Kind
from domain.errors import NotFound
from domain.invites import invite_problem
from domain.model import Group, Invite, Member, Organisation, Role, Rollout
from services.unit_of_work import UnitOfWork


async def organisation(uow: UnitOfWork, org_id: int) -> Organisation:
    return await uow.orgs.get(org_id)


async def groups_of(uow: UnitOfWork, org: Organisation) -> list[Group]:
    return await uow.groups.of_org(org.id)


async def rollout(uow: UnitOfWork, rollout_id: int) -> Rollout:
    return await uow.rollouts.get(rollout_id)


async def group_in(uow: UnitOfWork, org: Organisation, group_id: int) -> Group:
    """The group, when it is the organisation's (NotFound otherwise: a stale draft)."""
    group = await uow.groups.get(group_id)
    if group.org_id != org.id:
        raise NotFound("the group is not in this organisation")
    return group


async def rollout_in(uow: UnitOfWork, group: Group, rollout_id: int) -> Rollout:
    """The rollout, when it is the group's (NotFound otherwise)."""
    found = await uow.rollouts.get(rollout_id)
    if found.group_id != group.id:
        raise NotFound("the rollout is not in its group")
    return found


async def rollouts_beside(uow: UnitOfWork, group: Group, rollout: Rollout) -> list[Rollout]:
    """The group's other rollouts (a rollout's steps queue after theirs)."""
    return [r for r in await uow.rollouts.of_group(group.id) if r.id != rollout.id]


@dataclass(frozen=True)
class GroupOverview:
    leaders: list[Member]
    staff: int
    step_counts: dict[str, int]  # step deliveries by status
    join_dates: list[date]  # for joins per week: never who
    rollouts: list[Rollout]


async def group_overview(uow: UnitOfWork, group: Group) -> GroupOverview:
    return GroupOverview(
        await uow.members.of_group(group.id, Role.LEADER),
        await uow.members.count(group.id, Role.STAFF),
        await uow.deliveries.counts(group_id=group.id, kind=Kind.STEP),
        await uow.members.join_dates(group.id),
        await uow.rollouts.of_group(group.id),
    )


async def step_counts(uow: UnitOfWork, rollout: Rollout) -> dict[str, int]:
    return await uow.deliveries.counts(rollout_id=rollout.id, kind=Kind.STEP)


async def usable_invites(uow: UnitOfWork, group: Group, now: datetime) -> list[Invite]:
    return [i for i in await uow.invites.of_group(group.id) if invite_problem(i, now) is None]


async def revoke_invite(uow: UnitOfWork, group: Group, code: str) -> bool:
    """Revokes the group's invite; False for a code that is not the group's."""
    invite = await uow.invites.find(code)
    if invite is None or invite.group_id != group.id:
        return False
    await uow.invites.revoke(invite.code)
    return True


async def org_admins(uow: UnitOfWork, org: Organisation) -> list[tuple[int, str | None]]:
    """(Telegram id, the name they gave as a leader, if any) of each of its admins."""
    found = []
    for telegram_id in await uow.orgs.admins(org.id):
        member = await uow.members.find(telegram_id)
        found.append((telegram_id, member.display_name if member else None))
    return found


async def appoint_admin(uow: UnitOfWork, org: Organisation, telegram_id: int) -> bool:
    """False when they administer it already."""
    return await uow.orgs.add_admin(org.id, telegram_id)


async def dismiss_admin(uow: UnitOfWork, org: Organisation, telegram_id: int) -> None:
    await uow.orgs.remove_admin(org.id, telegram_id)
