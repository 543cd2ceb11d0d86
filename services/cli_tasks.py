"""What `refleks admin` shows and the one thing it does beside services.admin: an
organisation's admins, its rollouts with their step dates, and the status of everything.

The CLI formats the lines; these return what the lines are made of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from domain.invites import joins_per_week
from domain.model import Group, Organisation, Role, Rollout
from services import admin
from services.unit_of_work import UnitOfWork

# How many steps a rollout's package and modules make (the content says; the CLI knows it).
StepCount = Callable[[str, tuple[int, ...]], int]


async def add_org_admin(
    uow: UnitOfWork, slug: str, telegram_id: int
) -> tuple[Organisation, admin.Change]:
    """Lets a Telegram user administer the organisation; UNCHANGED if they already do."""
    found = await admin.org(uow, slug)
    added = await uow.orgs.add_admin(found.id, telegram_id)
    return found, admin.Change.CREATED if added else admin.Change.UNCHANGED


@dataclass(frozen=True)
class RolloutView:
    """A rollout with where it runs and the day each of its steps falls on (None: not before
    an open-ended pause ends)."""

    rollout: Rollout
    organisation: Organisation
    group: Group
    step_dates: tuple[date | None, ...]

    @property
    def path(self) -> str:
        return f"{self.organisation.slug}/{self.group.slug}"


async def rollout_view(uow: UnitOfWork, rollout_id: int, step_count: StepCount) -> RolloutView:
    found = await uow.rollouts.get(rollout_id)
    group = await uow.groups.get(found.group_id)
    n_steps = step_count(found.package_id, found.modules)
    organisation, dates = await admin.step_dates(uow, found, n_steps)
    return RolloutView(found, organisation, group, tuple(dates))


async def rollouts_in(
    uow: UnitOfWork, scope: str | None, step_count: StepCount
) -> list[RolloutView]:
    """Every rollout (cancelled ones too) of a group ("org/group"), of an organisation
    ("org"), or of all of them (None)."""
    groups: list[Group] = []
    if scope and "/" in scope:
        groups = [(await admin.group_at(uow, scope))[1]]
    else:
        orgs = [await admin.org(uow, scope)] if scope else await uow.orgs.all()
        for found in orgs:
            groups += await uow.groups.of_org(found.id)
    rollouts = await uow.rollouts.of_groups([g.id for g in groups]) if groups else []
    return [await rollout_view(uow, r.id, step_count) for r in rollouts]


@dataclass(frozen=True)
class GroupStatus:
    group: Group
    staff: int
    leaders: int
    joined_per_week: tuple[int, ...]  # oldest week first, this week last
    rollouts: tuple[RolloutView, ...]  # not the cancelled ones


@dataclass(frozen=True)
class OrgStatus:
    organisation: Organisation
    groups: tuple[GroupStatus, ...]


async def status(
    uow: UnitOfWork, slug: str | None, today: date, step_count: StepCount
) -> list[OrgStatus]:
    """One organisation (by slug) or every one: its groups, how many are in each and joined
    week by week, and the rollouts still running or to come."""
    orgs = [await admin.org(uow, slug)] if slug else await uow.orgs.all()
    found = []
    for organisation in orgs:
        groups = []
        for group in await uow.groups.of_org(organisation.id):
            joined = joins_per_week(await uow.members.join_dates(group.id), today)
            rollouts = [
                await rollout_view(uow, r.id, step_count)
                for r in await uow.rollouts.of_group(group.id)
            ]
            groups.append(
                GroupStatus(
                    group,
                    staff=await uow.members.count(group.id, Role.STAFF),
                    leaders=await uow.members.count(group.id, Role.LEADER),
                    joined_per_week=tuple(joined),
                    rollouts=tuple(rollouts),
                )
            )
        found.append(OrgStatus(organisation, tuple(groups)))
    return found
