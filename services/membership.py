"""Who is in a group, and taking people out of it: an admin removing someone (a forwarded
leader link, someone who moved on), demoting or appointing a leader, a member leaving.

Removing a member ends what the group owes them at once: their memberships in the group go,
and their deliveries for it that have not gone out are dropped, so no step, reminder, kick-off,
note or summary reaches them; the planner, the reminders and the week's close only ever
write to people who are members now, and a leader's commands look their groups up at each use.

What stays: the anonymous answers (the group's, linked to nobody), the frozen summaries (a
closed week never changes), and the removed member's participation rows. Those rows say only
that someone answered a step on some day; they keep the weeks' participation counts and the
"at least five different people" check of pooled texts true to the answers that stay, where
deleting them would make an admin's removal change counts and let the answers of someone
who was there count as nobody's. `/forget` is the way to delete them, with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.deliveries import Kind
from domain.model import Group, Member, Role
from services.admin import Change
from services.unit_of_work import UnitOfWork

# What a delivery's kind is owed for: a demoted leader keeps nothing a leader is sent, a staff
# member made leader keeps nothing only staff are sent. Notes go to both.
FOR_ROLE = {
    Role.STAFF: (Kind.STEP, Kind.REMINDER, Kind.STAFF_SUMMARY),
    Role.LEADER: (Kind.KICKOFF, Kind.LEADER_SUMMARY),
}


@dataclass(frozen=True)
class GroupMember:
    """One line of a group's member list: nothing about what they did in it."""

    telegram_id: int
    role: Role
    joined_on: date
    name: str | None  # leaders only: staff stay nameless


async def members_of(uow: UnitOfWork, group_id: int) -> list[GroupMember]:
    return [
        GroupMember(
            member.telegram_id,
            role,
            joined,
            member.display_name if role is Role.LEADER else None,
        )
        for member, role, joined in await uow.members.in_group(group_id)
    ]


@dataclass(frozen=True)
class Left:
    unlinked_chat: bool  # they led the group, and its group chat link was undone


async def remove(uow: UnitOfWork, group_id: int, telegram_id: int) -> Left | None:
    """Takes the person out of the group in every role; None when they were not in it."""
    member = await uow.members.find(telegram_id)
    if member is None:
        return None
    return await leave(uow, member, group_id)


async def leave(uow: UnitOfWork, member: Member, group_id: int) -> Left | None:
    """The member is out of the group; None when they were not in it. The caller commits."""
    roles = [r for r, _ in await _roles_in(uow, group_id, member)]
    if not roles or not await uow.members.leave(member.id, group_id):
        return None
    await uow.deliveries.drop_pending(member.id, group_id)
    await _forget_name_unless_leading(uow, member)
    return Left(Role.LEADER in roles and await _unlink_chat(uow, group_id))


async def leave_by_choice(uow: UnitOfWork, member: Member, group_id: int) -> Left | None:
    """The member's own /leave, committed at once: a reply that fails afterwards does not
    undo it."""
    left = await leave(uow, member, group_id)
    await uow.commit()
    return left


async def set_role(uow: UnitOfWork, group_id: int, telegram_id: int, role: Role) -> Change | None:
    """Makes a member of the group its leader or staff, and only that (a demoted leader is
    staff, an appointed one leads); None when they are not in the group. The caller commits."""
    member = await uow.members.find(telegram_id)
    mine = [] if member is None else await _roles_in(uow, group_id, member)
    if member is None or not mine:
        return None
    held = [r for r, _ in mine]
    if held == [role]:
        return Change.UNCHANGED
    joined = min(j for _, j in mine)
    others = [r for r in held if r is not role]
    await uow.members.leave(member.id, group_id, others)
    await uow.members.join(member.id, group_id, role, joined)
    for other in others:
        await uow.deliveries.drop_pending(member.id, group_id, FOR_ROLE[other])
    await _forget_name_unless_leading(uow, member)
    if Role.LEADER in others:
        await _unlink_chat(uow, group_id)
    return Change.UPDATED


async def link_chat(uow: UnitOfWork, group: Group, chat_id: int) -> None:
    """The group's staff chat, where its staff summary is posted from now on."""
    await uow.groups.link_chat(group.id, chat_id)


async def unlink_chat(uow: UnitOfWork, group: Group, chat_id: int) -> bool:
    """Unlinks the chat from the group, if it is the one linked; True when it was."""
    if group.linked_chat_id != chat_id:
        return False
    await uow.groups.link_chat(group.id, None)
    return True


async def _roles_in(uow: UnitOfWork, group_id: int, member: Member) -> list[tuple[Role, date]]:
    return [(r, day) for m, r, day in await uow.members.in_group(group_id) if m.id == member.id]


async def _unlink_chat(uow: UnitOfWork, group_id: int) -> bool:
    """Someone stopped leading the group: its group chat link (/linkchat) is undone, since
    nothing says which leader linked it and the chat may be theirs (a removed intruder's own
    chat would go on getting the summaries). A leader links the staff's chat again."""
    if (await uow.groups.get(group_id)).linked_chat_id is None:
        return False
    await uow.groups.link_chat(group_id, None)
    return True


async def _forget_name_unless_leading(uow: UnitOfWork, member: Member) -> None:
    """The name is kept for leaders only: someone who leads no group any more loses it."""
    if member.display_name and not await uow.members.leads_anywhere(member.id):
        await uow.members.set_display_name(member.id, None)
