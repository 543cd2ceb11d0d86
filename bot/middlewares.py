"""One unit of work per update, the clock's `now`, the member and their language.

An update is recorded by id in the same transaction as what its handler did: if the handler
fails, nothing is committed and a redelivery is handled afresh; if it succeeded, a redelivery
is recognised and skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import BaseMiddleware
from aiogram.methods.base import Response
from aiogram.types import Message, TelegramObject, Update, User

from bot.metrics import Metrics
from dialogues.i18n import Texts
from dialogues.turn import Turn
from services import arrivals
from services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# aiogram reads every reply from Telegram into `Response[<what the method returns>]`, and pydantic
# caches such a class only weakly: once garbage-collected it is built again (some 15 ms of schema
# work) on a later call. Holding the ones our handlers' calls return keeps them built.
# answerCallbackQuery, sendMessage, editMessageReplyMarkup:
RESPONSE_TYPES = (Response[bool], Response[Message], Response[Message | bool])


class UnitOfWorkMiddleware(BaseMiddleware):
    def __init__(
        self, uow_factory: UnitOfWorkFactory, now: Callable[[], datetime], metrics: Metrics
    ) -> None:
        self.uow_factory = uow_factory
        self.now = now
        self.metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        now = self.now()
        async with self.uow_factory() as uow:
            if not await arrivals.first_time(uow, data["bot"].id, event.update_id, now.date()):
                log.info("update %s was handled before: skipped", event.update_id)
                return None
            user: User | None = data.get("event_from_user")
            who = await arrivals.sender(
                uow, user.id if user else None, user.language_code if user else None
            )
            texts = Texts(who.language)
            turn = Turn(uow, now, texts, who.member)
            data.update(turn=turn, member=who.member, texts=texts)  # `member`: see MembersOnly
            started = time.perf_counter()
            result = await handler(event, data)
            await uow.commit()
        bot_label = data["bot"].id
        self.metrics.handler_seconds.labels(bot_label).observe(time.perf_counter() - started)
        self.metrics.updates_handled.labels(bot_label).inc()
        if stored := arrivals.answers_stored(uow):
            self.metrics.answers_stored.labels(bot_label).inc(stored)
        return result
