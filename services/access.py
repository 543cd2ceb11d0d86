"""Who may administer what. Super-admins (ADMIN_IDS) administer every organisation and alone
create new ones; an organisation's own admins administer it and nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import NotFound
from domain.model import Group, Organisation, Rollout
from services.unit_of_work import UnitOfWork


async def visible_orgs(
    uow: UnitOfWork, user_id: int, admin_ids: frozenset[int]
) -> list[Organisation]:
    if user_id in admin_ids:
        return await uow.orgs.all()
    ids = await uow.orgs.administered_by(user_id)
    return await uow.orgs.all(ids) if ids else []


async def administers_any(uow: UnitOfWork, user_id: int, admin_ids: frozenset[int]) -> bool:
    return user_id in admin_ids or bool(await uow.orgs.administered_by(user_id))


async def may_administer(
    uow: UnitOfWork, user_id: int, admin_ids: frozenset[int], org_id: int
) -> bool:
    return user_id in admin_ids or org_id in await uow.orgs.administered_by(user_id)


@dataclass(frozen=True)
class Scope:
    """What an admin's button or typed answer acts on, checked."""

    org: Organisation
    group: Group | None = None
    rollout: Rollout | None = None


async def scope(
    uow: UnitOfWork,
    user_id: int,
    admin_ids: frozenset[int],
    org_id: int,
    *,
    group_id: int | None = None,
    rollout_id: int | None = None,
) -> Scope | None:
    """The organisation (and the group or rollout) named, when the user administers it and
    they belong to it; None otherwise: not theirs, gone, or another organisation's."""
    if not await may_administer(uow, user_id, admin_ids, org_id):
        return None
    try:
        org = await uow.orgs.get(org_id)
        rollout = await uow.rollouts.get(rollout_id) if rollout_id is not None else None
        if rollout is not None:
            group_id = rollout.group_id
        group = await uow.groups.get(group_id) if group_id is not None else None
    except NotFound:
        return None
    if group is not None and group.org_id != org_id:
        return None
    return Scope(org, group, rollout)
