"""Rollout plans from the database: every live rollout, or a group's, with their dates."""

from __future__ import annotations

import logging
from collections.abc import Callable

from domain.model import Group, Organisation, Rollout
from domain.plan import RolloutPlan, StepRef, build_plan, queue_after_each_other
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

Outline = Callable[[str, tuple[int, ...]], tuple[StepRef, ...] | None]


async def live_plans(uow: UnitOfWork, outline: Outline) -> list[RolloutPlan]:
    """Every rollout that is not cancelled, queued one after another within each group."""
    return await _plans(uow, await uow.rollouts.live(), outline)


async def group_plans(uow: UnitOfWork, group_ids: list[int], outline: Outline) -> list[RolloutPlan]:
    rollouts = [r for r in await uow.rollouts.of_groups(group_ids) if r.status != "cancelled"]
    return await _plans(uow, rollouts, outline)


async def _plans(uow: UnitOfWork, rollouts: list[Rollout], outline: Outline) -> list[RolloutPlan]:
    groups: dict[int, Group] = {}
    orgs: dict[int, Organisation] = {}
    plans = []
    for rollout in rollouts:
        steps = outline(rollout.package_id, rollout.modules)
        if steps is None:
            log.error("rollout %s names an unknown package or module", rollout.id)
            continue
        if rollout.group_id not in groups:
            groups[rollout.group_id] = await uow.groups.get(rollout.group_id)
        group = groups[rollout.group_id]
        if group.org_id not in orgs:
            orgs[group.org_id] = await uow.orgs.get(group.org_id)
        plans.append(build_plan(rollout, group, orgs[group.org_id], steps))
    return queue_after_each_other(plans)
