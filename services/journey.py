"""A member's steps: which step a delivery is, which plans they follow, which open steps they
never got, and sending one now through the engine's own claim and mark (exactly once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from content.loader import Catalogue
from content.outline import outline
from content.schema import Module, Package, Step
from domain.deliveries import Delivery, step_delivery
from domain.plan import RolloutPlan
from services.schedule import group_plans
from services.unit_of_work import UnitOfWork

CLAIM_LEASE = timedelta(minutes=2)  # the engine takes a claimed step up if we die before sending


@dataclass(frozen=True)
class StepInContext:
    delivery: Delivery
    package: Package
    module: Module
    step: Step
    plan: RolloutPlan
    index: int


class Steps:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.outline = partial(outline, catalogue)

    async def plans_of(self, uow: UnitOfWork, member_id: int) -> list[RolloutPlan]:
        groups = sorted({m.group_id for m in await uow.members.memberships(member_id)})
        return await group_plans(uow, groups, self.outline) if groups else []

    async def context(self, uow: UnitOfWork, delivery: Delivery) -> StepInContext | None:
        if delivery.group_id is None:
            return None
        for plan in await group_plans(uow, [delivery.group_id], self.outline):
            index = plan.index_of(delivery.step_id or "")
            if plan.rollout.id == delivery.rollout_id and index is not None:
                package = self.catalogue[plan.rollout.package_id]
                module, step = self.catalogue.step(package.id, delivery.step_id or "")
                return StepInContext(delivery, package, module, step, plan, index)
        return None

    async def context_of(self, uow: UnitOfWork, delivery_id: int) -> StepInContext | None:
        delivery = await uow.deliveries.get(delivery_id)
        return None if delivery is None else await self.context(uow, delivery)

    async def missed(
        self, uow: UnitOfWork, member_id: int, now: datetime
    ) -> list[tuple[RolloutPlan, int]]:
        """Open steps (week not closed) the member never got, oldest first."""
        had = {(d.rollout_id, d.step_id) for d in await uow.deliveries.steps_of_member(member_id)}
        found = []
        for plan in await self.plans_of(uow, member_id):
            for index in plan.open_indexes(now):
                if (plan.rollout.id, plan.steps[index].step_id) not in had:
                    found.append((plan, index))
        return found


async def claim_now(
    uow: UnitOfWork, member_id: int, chat_id: int, plan: RolloutPlan, index: int, now: datetime
) -> Delivery | None:
    """Claims step `index` for sending now, and commits; None when it is queued or sent
    already. Its key is the engine's own, so the step still goes out once."""
    ref = plan.steps[index]
    row = step_delivery(
        rollout_id=plan.rollout.id,
        step_id=ref.step_id,
        member_id=member_id,
        chat_id=chat_id,
        group_id=plan.group.id,
        week=plan.week(index),
        due_at=now,
    )
    row |= {"status": "claimed", "lease_until": now + CLAIM_LEASE}
    if not await uow.deliveries.enqueue([row]):
        return None
    await uow.commit()
    return await uow.deliveries.find_step(member_id, plan.rollout.id, ref.step_id)


async def mark_sent(uow: UnitOfWork, delivery: Delivery, message_id: int, now: datetime) -> None:
    await uow.deliveries.mark_sent(delivery.id, message_id, now)
    await uow.commit()
