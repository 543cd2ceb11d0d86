"""A flood from one chat must not stall the others: each chat may send so many updates in a
window (INBOUND_LIMIT per INBOUND_WINDOW_SECONDS); beyond that its updates are dropped, and the
first one dropped in a window gets one polite "slow down" in a private chat (never in a group,
where the bot says nothing members did not ask for). Counted in Redis when REDIS_URL is set, so
several instances share the count, and in memory otherwise."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.metrics import Metrics
from dialogues.i18n import Texts, pick_language

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InboundCounter(Protocol):
    async def hit(self, key: str, window: int) -> int:
        """Counts an update for `key` in window number `window`; returns the count so far."""


class MemoryCounter:
    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, window: int) -> int:
        seen, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen == window else 1
        self._counts[key] = (window, count)
        if len(self._counts) > 50_000:  # chats that went quiet
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
        return count


class RedisCounter:
    def __init__(self, redis: Any, window_seconds: float) -> None:
        self.redis = redis
        self.expiry = max(1, round(window_seconds * 2))

    async def hit(self, key: str, window: int) -> int:
        name = f"refleks:inbound:{key}:{window}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, self.expiry)
            count, _ = await pipe.execute()
        return int(count)


class InboundLimit(BaseMiddleware):
    def __init__(
        self,
        limit: int,
        window_seconds: float,
        counter: InboundCounter,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self.limit = limit
        self.window_seconds = window_seconds
        self.counter = counter
        self.clock = clock

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender = _sender(event)
        if self.limit <= 0 or sender is None:
            return await handler(event, data)
        chat_id, private, language = sender
        bot: Bot = data["bot"]
        window = int(self.clock() // self.window_seconds)
        count = await self.counter.hit(f"{bot.id}:{chat_id}", window)
        if count <= self.limit:
            return await handler(event, data)
        if self.metrics is not None:
            self.metrics.updates_dropped.labels(bot.id).inc()
        if count == self.limit + 1:
            log.info("inbound limit: a chat sent more than %s updates in a window", self.limit)
            if private:
                texts = Texts(pick_language(None, language))
                await bot.send_message(chat_id, texts("flood.slow_down"))
        return None  # dropped: the update counts as handled


def _sender(event: TelegramObject) -> tuple[int, bool, str | None] | None:
    """The chat an update came from, whether it is private, and the sender's language."""
    if not isinstance(event, Update):
        return None
    if event.message is not None:
        message = event.message
        language = message.from_user.language_code if message.from_user is not None else None
        return message.chat.id, message.chat.type == "private", language
    query = event.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        chat_id = chat.id if chat is not None else query.from_user.id
        private = chat is None or chat.type == "private"
        return chat_id, private, query.from_user.language_code
    return None
