"""Turns a claimed delivery into the message parts to send, reading what it needs at send time
(the member's language now, the frozen summary), so nothing but keys waits in the queue."""

from __future__ import annotations

import logging
from functools import partial

from content.loader import Catalogue
from content.outline import outline
from dialogues.i18n import Texts
from dialogues.outgoing import Part, TextPart
from dialogues.render import kickoff_message, reminder_message, step_message
from domain.plan import RolloutPlan
from storage.repositories.deliveries import Delivery, Kind
from storage.services.schedule import group_plans
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class Renderer:
    def __init__(self, catalogue: Catalogue, summaries: object | None = None) -> None:
        self.catalogue = catalogue
        self.outline = partial(outline, catalogue)
        self.summaries = summaries  # bot.summaries.SummaryRenderer, for the weekly summaries

    async def __call__(self, uow: UnitOfWork, delivery: Delivery) -> list[Part] | None:
        texts = await self._texts(uow, delivery)
        if delivery.kind == Kind.STEP:
            return await self._step(uow, delivery, texts)
        if delivery.kind == Kind.REMINDER:
            return await self._reminder(uow, delivery, texts)
        if delivery.kind == Kind.KICKOFF:
            return await self._kickoff(uow, delivery, texts)
        if delivery.kind == Kind.NOTE:
            note = await uow.summaries.note(int(delivery.step_id or 0))
            return None if note is None else [TextPart(texts("note.header") + "\n\n" + note)]
        render = getattr(self.summaries, "render", None)
        if render is not None:
            parts: list[Part] | None = await render(uow, delivery, texts)
            return parts
        log.error("delivery %s: no renderer for kind %s", delivery.id, delivery.kind)
        return None

    async def _texts(self, uow: UnitOfWork, delivery: Delivery) -> Texts:
        if delivery.member_id is None:
            return Texts("nb")
        member = await uow.members.get(delivery.member_id)
        return Texts(member.language or "nb")

    async def plan_of(self, uow: UnitOfWork, delivery: Delivery) -> RolloutPlan | None:
        if delivery.group_id is None:
            return None
        for plan in await group_plans(uow, [delivery.group_id], self.outline):
            if plan.rollout.id == delivery.rollout_id:
                return plan
        return None

    async def _step(self, uow: UnitOfWork, delivery: Delivery, texts: Texts) -> list[Part] | None:
        plan = await self.plan_of(uow, delivery)
        index = None if plan is None else plan.index_of(delivery.step_id or "")
        if plan is None or index is None or delivery.member_id is None:
            return None
        package = self.catalogue[plan.rollout.package_id]
        module, step = self.catalogue.step(package.id, plan.steps[index].step_id)
        had = {d.step_id for d in await uow.deliveries.steps_of_member(delivery.member_id)}
        missed = [
            i
            for i in plan.open_indexes(delivery.due_at)
            if i < index and plan.steps[i].step_id not in had
        ]
        return step_message(
            package,
            module,
            step,
            texts,
            delivery.id,
            position=plan.module_span(index),
            missed=len(missed),
        )

    async def _reminder(
        self, uow: UnitOfWork, delivery: Delivery, texts: Texts
    ) -> list[Part] | None:
        original = await uow.deliveries.find_step(
            delivery.member_id or 0, delivery.rollout_id or 0, delivery.step_id or ""
        )
        if original is None or await uow.participation.answered(
            delivery.member_id or 0, delivery.rollout_id or 0, delivery.step_id or ""
        ):
            return None  # answered since: no reminder after all
        rollout = await uow.rollouts.get(original.rollout_id or 0)
        _, step = self.catalogue.step(rollout.package_id, original.step_id or "")
        return reminder_message(step, texts, original.id)

    async def _kickoff(
        self, uow: UnitOfWork, delivery: Delivery, texts: Texts
    ) -> list[Part] | None:
        rollout = await uow.rollouts.get(delivery.rollout_id or 0)
        package = self.catalogue[rollout.package_id]
        module = package.module(int((delivery.step_id or "m0")[1:]))
        group = await uow.groups.get(rollout.group_id)
        return kickoff_message(package, module, texts, group.name)
