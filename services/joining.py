"""Joining a group through an invite link, and who leads where (for leaders' command menu)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from domain.calendar import local_date
from domain.invites import InviteProblem, invite_problem, looks_like_code
from domain.model import Group, Member, Organisation, Role
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Joined:
    member: Member
    group: Group
    organisation: Organisation
    role: Role
    new: bool  # False: they were in the group with that role already


@dataclass(frozen=True)
class OtherBot:
    """The invite belongs to an organisation another bot serves: nothing was joined. (Joining
    here would send the member's steps through a bot they never wrote to, which Telegram
    refuses.)"""

    organisation: Organisation


@dataclass(frozen=True)
class Leading:
    """A leader of some group of the organisation (whose bot they joined through)."""

    member: Member
    organisation: Organisation


async def leaders(uow: UnitOfWork) -> list[Leading]:
    """Everyone who leads a group, once per organisation they lead in."""
    found: dict[tuple[int, int], Leading] = {}
    for organisation in await uow.orgs.all():
        for group in await uow.groups.of_org(organisation.id):
            for member in await uow.members.of_group(group.id, Role.LEADER):
                found.setdefault((organisation.id, member.id), Leading(member, organisation))
    return list(found.values())


async def join(
    uow: UnitOfWork,
    code: str,
    telegram_id: int,
    now: datetime,
    *,
    telegram_language: str | None = None,
    display_name: str | None = None,
    served_here: Callable[[Organisation], bool] | None = None,
) -> Joined | InviteProblem | OtherBot:
    """Redeems the invite for this Telegram user and commits; a bad code joins nothing, nor
    does an invite to an organisation that `served_here` says another bot serves."""
    invite = await uow.invites.find(code) if looks_like_code(code) else None
    problem = invite_problem(invite, now)
    if problem is not None or invite is None:
        return problem or InviteProblem.UNKNOWN
    group = await uow.groups.get(invite.group_id)
    organisation = await uow.orgs.get(group.org_id)
    if served_here is not None and not served_here(organisation):
        return OtherBot(organisation)
    # Telegram's language only: a language of their own is what they choose with /language,
    # and until they do, their organisation's written standard comes first
    member = await uow.members.ensure(telegram_id, telegram_language=telegram_language)
    new = await uow.members.join(
        member.id, group.id, invite.role, local_date(now, organisation.timezone)
    )
    if new and not await uow.invites.use(code):
        await uow.rollback()  # someone else took the last use a moment ago
        return InviteProblem.USED_UP
    if invite.role is Role.LEADER:
        # leaders' names are shown to admins; staff stay nameless
        await uow.members.set_display_name(member.id, display_name)
    if member.unreachable:
        await uow.members.mark_unreachable(telegram_id, False)
    await uow.commit()
    return Joined(await uow.members.get(member.id), group, organisation, invite.role, new)
