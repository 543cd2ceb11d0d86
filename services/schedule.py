"""Rollout plans from the database: every live rollout, or a group's, with their dates."""

from __future__ import annotations

import logging
from collections.abc import Callable

from domain.model import Group, Rollout
from domain.plan import RolloutPlan, StepRef, build_plan, queue_after_each_other
from services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

GROUPS_PER_QUERY = 500  # SQLite's older builds allow 999 parameters

Outline = Callable[[str, tuple[int, ...]], tuple[StepRef, ...] | None]


async def live_plans(uow: UnitOfWork, outline: Outline) -> list[RolloutPlan]:
    """Every rollout that is not cancelled, queued one after another within each group."""
    return await _plans(uow, await uow.rollouts.live(), outline)


async def group_plans(uow: UnitOfWork, group_ids: list[int], outline: Outline) -> list[RolloutPlan]:
    rollouts = [r for r in await uow.rollouts.of_groups(group_ids) if r.status != "cancelled"]
    return await _plans(uow, rollouts, outline)


async def plans_by_group(
    uow: UnitOfWork, group_ids: list[int], outline: Outline
) -> dict[int, list[RolloutPlan]]:
    """`group_plans`, each group's plans under its id (a group without any is left out)."""
    found: dict[int, list[RolloutPlan]] = {}
    for plan in await group_plans(uow, group_ids, outline):
        found.setdefault(plan.group.id, []).append(plan)
    return found


async def _plans(uow: UnitOfWork, rollouts: list[Rollout], outline: Outline) -> list[RolloutPlan]:
    """Plans with their groups and organisations read in bulk: a handful of queries for a
    country's thousands of rollouts, not two per rollout."""
    groups: dict[int, Group] = {}
    ids = sorted({r.group_id for r in rollouts})
    for start in range(0, len(ids), GROUPS_PER_QUERY):
        groups.update(
            (g.id, g) for g in await uow.groups.many(ids[start : start + GROUPS_PER_QUERY])
        )
    orgs = await uow.orgs.many({g.org_id for g in groups.values()})
    plans = []
    outlines: dict[tuple[str, tuple[int, ...]], tuple[StepRef, ...] | None] = {}
    for rollout in rollouts:
        key = (rollout.package_id, rollout.modules)
        if key not in outlines:
            outlines[key] = outline(*key)
        steps = outlines[key]
        if steps is None:
            log.error("rollout %s names an unknown package or module", rollout.id)
            continue
        group = groups[rollout.group_id]
        plans.append(build_plan(rollout, group, orgs[group.org_id], steps))
    return queue_after_each_other(plans)
