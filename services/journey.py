"""A member's steps: which step a delivery is and whether it still runs, which plans they
follow, which open steps they never got, what /today and /progress show, and sending one now
through the engine's own claim and mark (exactly once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from content.loader import Catalogue
from content.outline import outline
from content.schema import Module, Package, Step
from domain.answerable import Answerable
from domain.deliveries import Delivery, step_delivery
from domain.model import Group, QuestionKind
from domain.plan import RolloutPlan
from services.answering import answerable, answerable_message, open_to_answer
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


@dataclass(frozen=True)
class Today:
    """What /today shows: the newest open step again, else the newest one they missed (to
    send now), else neither."""

    open: StepInContext | None = None
    missed: tuple[RolloutPlan, int] | None = None


@dataclass(frozen=True)
class PlanProgress:
    """One rollout the member follows, as /progress shows it."""

    group: Group
    package: Package
    module: Module | None  # the one under way; None before the first step is due
    position: int  # the due step's place in its module (from 1), and the module's size
    size: int
    answered: int  # steps of this rollout the member answered
    sent: int  # steps due so far
    next_day: date | None  # the next step's day (before the start: the first one's)


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

    async def today(self, uow: UnitOfWork, member_id: int, now: datetime) -> Today:
        for step in await open_to_answer(uow, member_id, now):  # one query, however long the term
            found = await self.context_of(uow, step.delivery_id)
            if found is not None:
                return Today(open=found)
        missed = await self.missed(uow, member_id, now)
        return Today(missed=missed[-1] if missed else None)

    async def progress(self, uow: UnitOfWork, member_id: int, now: datetime) -> list[PlanProgress]:
        """Where the member is in each rollout of their groups; empty when there is none."""
        plans = await self.plans_of(uow, member_id)
        answered = await uow.participation.answered_steps(member_id) if plans else set()
        found = []
        for plan in plans:
            package = self.catalogue[plan.rollout.package_id]
            mine = sum(1 for ref in plan.steps if (plan.rollout.id, ref.step_id) in answered)
            due = plan.due_index(now)
            if due is None:
                first = plan.dates[0] if plan.dates else None
                found.append(PlanProgress(plan.group, package, None, 0, 0, mine, 0, first))
                continue
            module = package.module(plan.steps[due].module)
            position, size = plan.module_span(due)
            upcoming = next((d for d in plan.dates[due + 1 :] if d is not None), None)
            found.append(
                PlanProgress(plan.group, package, module, position, size, mine, due + 1, upcoming)
            )
        return found

    def live_step(self, found: Answerable) -> Step | None:
        """The delivery's step, while a live rollout in its group still runs it (the content
        may have changed since it was sent): what `context` checks, without building plans."""
        if found.package_id is None or found.step_id is None:
            return None
        steps = self.outline(found.package_id, found.modules)
        if steps is None or all(ref.step_id != found.step_id for ref in steps):
            return None
        return self.catalogue.step(found.package_id, found.step_id)[1]

    async def pressed(
        self, uow: UnitOfWork, member_id: int, delivery_id: int
    ) -> tuple[Answerable, Step] | None:
        """The step an answer button names: the member's own, and still running."""
        found = await answerable(uow, member_id, delivery_id)
        step = self.live_step(found) if found else None
        return None if found is None or step is None else (found, step)

    async def replied_to(
        self,
        uow: UnitOfWork,
        member_id: int,
        chat_id: int,
        replied_message_id: int | None,
        now: datetime,
    ) -> tuple[Answerable, Step] | None:
        """The step a text answers: the one replied to, else the newest open one that asks."""
        if replied_message_id is not None:
            found = await answerable_message(uow, member_id, chat_id, replied_message_id)
            if found is not None:
                step = self.live_step(found)
                return None if step is None else (found, step)
        for found in await open_to_answer(uow, member_id, now):
            step = self.live_step(found)
            if step is not None and step.question.kind is not QuestionKind.NONE:
                return found, step
        return None


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
