"""What the staff dialogues need to know about a member's steps: which step a delivery is, which
steps are open, and sending a missed one on request (claimed, sent, marked: exactly once)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from aiogram import Bot
from aiogram.types import LinkPreviewOptions

from content.loader import Catalogue
from content.outline import outline
from content.schema import Module, Package, Step
from dialogues.i18n import Texts
from dialogues.outgoing import TextPart
from dialogues.render import step_message
from domain.deliveries import Delivery, step_delivery
from domain.plan import RolloutPlan
from services.schedule import group_plans
from services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StepInContext:
    delivery: Delivery
    package: Package
    module: Module
    step: Step
    plan: RolloutPlan
    index: int


class Journey:
    """Injected into handlers (workflow data `journey`)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.outline = partial(outline, catalogue)

    def title_of(self, step_id: str, language: str) -> str:
        """A step's title for a person to read (the id if the step is no longer in content)."""
        words = self.catalogue.step_words(language).get(step_id)
        return words.title if words else step_id

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

    async def send_step(
        self,
        uow: UnitOfWork,
        bot: Bot,
        member_id: int,
        chat_id: int,
        plan: RolloutPlan,
        index: int,
        texts: Texts,
        now: datetime,
        missed: int = 0,
    ) -> bool:
        """Sends step `index` now, through the same claim-send-mark the engine uses."""
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
        # claimed by this handler; the engine takes it up if we die before sending
        row |= {"status": "claimed", "lease_until": now + timedelta(minutes=2)}
        if not await uow.deliveries.enqueue([row]):
            return False  # it is in the queue or sent already
        await uow.commit()
        delivery = await uow.deliveries.find_step(member_id, plan.rollout.id, ref.step_id)
        assert delivery is not None
        package = self.catalogue[plan.rollout.package_id]
        module, step = self.catalogue.step(package.id, ref.step_id)
        parts = step_message(
            package,
            module,
            step,
            texts,
            delivery.id,
            position=plan.module_span(index),
            missed=missed,
        )
        part = parts[0]
        assert isinstance(part, TextPart)
        sent = await bot.send_message(
            chat_id,
            part.html,
            reply_markup=part.keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        await uow.deliveries.mark_sent(delivery.id, sent.message_id, now)
        await uow.commit()
        return True
