"""Turns a claimed delivery into the message parts to send, reading what it needs at send time
(the member's language now, the frozen summary), so nothing but keys waits in the queue."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from content.loader import Catalogue
from content.outline import outline
from dialogues.i18n import Texts
from dialogues.outgoing import Part, TextPart
from dialogues.render import kickoff_message, plan_step_message, reminder_message
from domain.deliveries import Delivery, Kind
from domain.language import DEFAULT_LANGUAGE, reader_language
from domain.plan import RolloutPlan
from services.schedule import plans_by_group
from services.unit_of_work import UnitOfWork
from services.weekly import SUMMARY_KINDS

if TYPE_CHECKING:  # built by the composition root: charts load Pillow when they draw
    from bot.summaries import Summaries

log = logging.getLogger(__name__)


Rendered = list[Part] | Exception | None  # a render that failed fails its delivery only


@dataclass
class BatchFacts:
    """What a batch's step messages need, read in three queries for the whole batch rather
    than three for each message (a morning's 200,000 steps would be 600,000 round trips)."""

    languages: dict[int, str] = field(default_factory=dict)  # member id -> language
    steps_had: dict[int, set[str]] = field(default_factory=dict)  # member id -> step ids
    plans: dict[int, list[RolloutPlan]] = field(default_factory=dict)  # group id -> plans


class Renderer:
    def __init__(self, catalogue: Catalogue, summaries: Summaries) -> None:
        self.catalogue = catalogue
        self.outline = partial(outline, catalogue)
        self.summaries = summaries  # the weekly summaries and leaders' notes

    async def batch(self, uow: UnitOfWork, deliveries: list[Delivery]) -> dict[int, Rendered]:
        """Every delivery of a claimed batch, by id; one that fails to render carries its
        error (it fails when its turn comes) and the rest still go."""
        facts = await self.facts(uow, deliveries)
        rendered: dict[int, Rendered] = {}
        for delivery in deliveries:
            try:
                rendered[delivery.id] = await self.render(uow, delivery, facts)
            except Exception as error:
                rendered[delivery.id] = error
                await uow.rollback()
        return rendered

    async def facts(self, uow: UnitOfWork, deliveries: list[Delivery]) -> BatchFacts:
        facts = BatchFacts()
        members = sorted({d.member_id for d in deliveries if d.member_id is not None})
        facts.languages = await uow.members.languages(members)
        stepping = sorted({d.member_id for d in deliveries if d.kind == Kind.STEP and d.member_id})
        facts.steps_had = await uow.deliveries.steps_had(stepping)
        groups = sorted({d.group_id for d in deliveries if d.kind == Kind.STEP and d.group_id})
        if groups:
            facts.plans = await plans_by_group(uow, groups, self.outline)
        await self.summaries.prepare(uow, deliveries)
        return facts

    async def render(
        self, uow: UnitOfWork, delivery: Delivery, facts: BatchFacts
    ) -> list[Part] | None:
        if delivery.member_id is None and delivery.group_id is not None:
            texts = Texts(await self._chat_language(uow, delivery.group_id))
        else:
            texts = Texts(facts.languages.get(delivery.member_id or 0, DEFAULT_LANGUAGE))
        if delivery.kind == Kind.STEP:
            return self._step(delivery, texts, facts)
        if delivery.kind == Kind.REMINDER:
            return await self._reminder(uow, delivery, texts)
        if delivery.kind == Kind.KICKOFF:
            return await self._kickoff(uow, delivery, texts)
        if delivery.kind == Kind.NOTE:
            note = await self.summaries.note(uow, int(delivery.step_id or 0))
            return None if note is None else [TextPart(texts("note.header") + "\n\n" + note)]
        if delivery.kind in SUMMARY_KINDS:
            return await self.summaries.render(uow, delivery, texts)
        log.error("delivery %s: no renderer for kind %s", delivery.id, delivery.kind)
        return None

    def _step(self, delivery: Delivery, texts: Texts, facts: BatchFacts) -> list[Part] | None:
        plans = facts.plans.get(delivery.group_id or 0, [])
        plan = next((p for p in plans if p.rollout.id == delivery.rollout_id), None)
        index = None if plan is None else plan.index_of(delivery.step_id or "")
        if plan is None or index is None or delivery.member_id is None:
            return None
        had = facts.steps_had.get(delivery.member_id, set())
        missed = [
            i
            for i in plan.open_indexes(delivery.due_at)
            if i < index and plan.steps[i].step_id not in had
        ]
        return plan_step_message(
            self.catalogue, plan, index, texts, delivery.id, missed=len(missed)
        )

    async def _chat_language(self, uow: UnitOfWork, group_id: int) -> str:
        """A group chat (a summary posted there) reads its organisation's written standard."""
        group = await uow.groups.get(group_id)
        return reader_language(None, (await uow.orgs.get(group.org_id)).language)

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
        return reminder_message(self.catalogue[rollout.package_id], step, texts, original.id)

    async def _kickoff(
        self, uow: UnitOfWork, delivery: Delivery, texts: Texts
    ) -> list[Part] | None:
        rollout = await uow.rollouts.get(delivery.rollout_id or 0)
        package = self.catalogue[rollout.package_id]
        module = package.module(int((delivery.step_id or "m0")[1:]))
        group = await uow.groups.get(rollout.group_id)
        return kickoff_message(package, module, texts, group.name)
