"""What the staff dialogues need to know about a member's steps (services.journey), and sending
a missed one on request: claimed, sent, marked, exactly once."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot
from aiogram.types import LinkPreviewOptions

from dialogues.i18n import Texts
from dialogues.outgoing import TextPart
from dialogues.render import plan_step_message
from domain.plan import RolloutPlan
from services.journey import StepInContext, Steps, claim_now, mark_sent
from services.unit_of_work import UnitOfWork

__all__ = ["Journey", "StepInContext"]


class Journey(Steps):
    """Injected into handlers (workflow data `journey`): the member's steps (services.journey)
    and sending one now."""

    def title_of(self, step_id: str, language: str) -> str:
        """A step's title for a person to read (the id if the step is no longer in content)."""
        words = self.catalogue.step_words(language).get(step_id)
        return words.title if words else step_id

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
        delivery = await claim_now(uow, member_id, chat_id, plan, index, now)
        if delivery is None:
            return False  # it is in the queue or sent already
        parts = plan_step_message(self.catalogue, plan, index, texts, delivery.id, missed=missed)
        part = parts[0]
        assert isinstance(part, TextPart)
        sent = await bot.send_message(
            chat_id,
            part.html,
            reply_markup=part.keyboard,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
        await mark_sent(uow, delivery, sent.message_id, now)
        return True
