"""What a member does for themselves: pause and resume, their own send time and language, what
is stored about them, forgetting it, and which groups they are in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from domain.model import Group, Member, Organisation, Role
from domain.pacing import in_waking_hours
from services.unit_of_work import UnitOfWork


async def pause(uow: UnitOfWork, member: Member, until: date | None, today: date) -> bool:
    """Pauses the member's steps (until a day, or until they resume); False for a day that is
    not after today, which pauses nothing."""
    if until is not None and until <= today:
        return False
    await uow.members.pause(member.id, until)
    return True


async def resume(uow: UnitOfWork, member: Member) -> bool:
    """Resumes the member's steps; False when they were not paused."""
    await uow.members.resume(member.id)
    return member.paused


async def set_own_time(uow: UnitOfWork, member: Member, chosen: time | None) -> bool:
    """The member's own send time (None: their group's again); False outside the hours we
    write to people in, which changes nothing."""
    if chosen is not None and not in_waking_hours(chosen):
        return False
    await uow.members.set_send_time(member.id, chosen)
    return True


async def choose_language(uow: UnitOfWork, member: Member, code: str) -> None:
    await uow.members.set_language(member.id, code)


@dataclass(frozen=True)
class StoredAboutMember:
    """Everything `/mydata` shows: what Refleks stores about the member, and nothing else."""

    member: Member
    groups: list[tuple[Group, Role]]
    answered: list[tuple[str, date]]  # step id, the day they answered it (never the answer)
    received: int  # messages sent to them


async def stored_about(uow: UnitOfWork, member: Member) -> StoredAboutMember:
    memberships = await uow.members.memberships(member.id)
    groups = {g.id: g for g in await uow.groups.many([m.group_id for m in memberships])}
    return StoredAboutMember(
        member,
        [(groups[m.group_id], m.role) for m in memberships if m.group_id in groups],
        await uow.participation.of_member(member.id),
        len(await uow.deliveries.of_member(member.id)),
    )


async def forget(uow: UnitOfWork, member: Member) -> None:
    """Deletes the member and everything tied to them, and commits; the group's anonymous
    answers stay, as they were never tied to them."""
    await uow.members.forget(member.id)
    await uow.commit()


@dataclass(frozen=True)
class Standing:
    """What a person is here: for their help text and their command menu."""

    admin: bool
    leader: bool


async def standing(
    uow: UnitOfWork, telegram_id: int, member: Member | None, admin_ids: frozenset[int]
) -> Standing:
    admin = telegram_id in admin_ids or bool(await uow.orgs.administered_by(telegram_id))
    leader = member is not None and await uow.members.leads_anywhere(member.id)
    return Standing(admin, leader)


async def standing_of(
    uow: UnitOfWork, telegram_id: int, admin_ids: frozenset[int]
) -> tuple[Member, Standing] | None:
    """A known person and what they are now (after a change of role); None for a stranger."""
    member = await uow.members.find(telegram_id)
    if member is None:
        return None
    return member, await standing(uow, telegram_id, member, admin_ids)


async def groups_of(
    uow: UnitOfWork, member: Member | None, role: Role | None = None
) -> list[Group]:
    """The groups the member is in now (in `role`, when given), by id."""
    if member is None:
        return []
    ids = sorted(
        {m.group_id for m in await uow.members.memberships(member.id) if role in (None, m.role)}
    )
    return await uow.groups.many(ids) if ids else []


async def group_of(uow: UnitOfWork, member: Member | None, group_id: int) -> Group | None:
    """The group with that id, if the member is in it now (a stale or crafted button names
    nothing else)."""
    return next((g for g in await groups_of(uow, member) if g.id == group_id), None)


async def organisations_of(uow: UnitOfWork, member: Member | None) -> list[Organisation]:
    return await uow.orgs.of_member(member.id) if member is not None else []


async def back_after_blocking(uow: UnitOfWork, member: Member | None) -> bool:
    """/start without an invite: someone who blocked the bot is written to again; True when
    they are in a group."""
    if member is None:
        return False
    if member.unreachable:
        await uow.members.mark_unreachable(member.telegram_id, False)
    return bool(await uow.members.memberships(member.id))
