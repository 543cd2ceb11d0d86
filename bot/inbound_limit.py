"""A flood from one chat must not stall the others: each chat may send so many updates in a
window (INBOUND_LIMIT per INBOUND_WINDOW_SECONDS); beyond that its updates are dropped, and the
first one dropped in a window gets one polite "slow down" in a private chat (never in a group,
where the bot says nothing members did not ask for). Counted in Redis when REDIS_URL is set, so
several instances share the count, and in memory otherwise."""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update

from bot.metrics import Metrics
from dialogues.i18n import Texts
from domain.language import reader_language

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InboundCounter(Protocol):
    async def hit(self, key: str, now: float, window: float) -> int:
        """Counts an update for `key` at `now`; returns how many came in the last `window`
        seconds, this one included (a sliding window: a flood cannot restart it by lasting
        past a boundary)."""

    async def first_warning(self, key: str, now: float, window: float) -> bool:
        """True when `key` was not warned in the last `window` seconds (and marks it warned)."""


class MemoryCounter:
    def __init__(self) -> None:
        self._times: dict[str, deque[float]] = {}
        self._warned: dict[str, float] = {}

    async def hit(self, key: str, now: float, window: float) -> int:
        times = self._times.setdefault(key, deque())
        times.append(now)
        while times and times[0] <= now - window:
            times.popleft()
        if len(self._times) > 50_000:  # forget chats that went quiet
            self._times = {k: t for k, t in self._times.items() if t and t[-1] > now - window}
        return len(times)

    async def first_warning(self, key: str, now: float, window: float) -> bool:
        if now - self._warned.get(key, float("-inf")) < window:
            return False
        self._warned[key] = now
        if len(self._warned) > 50_000:
            self._warned = {k: t for k, t in self._warned.items() if now - t < window}
        return True


class RedisCounter:
    """The same in Redis: a sorted set of arrival times per chat, and a warned-key with expiry."""

    def __init__(self, redis: Any) -> None:
        self.redis = redis

    async def hit(self, key: str, now: float, window: float) -> int:
        name = f"refleks:inbound:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(name, {f"{now:.6f}:{secrets.token_hex(4)}": now})
            pipe.zremrangebyscore(name, "-inf", now - window)
            pipe.zcard(name)
            pipe.expire(name, max(1, math.ceil(window)))
            _, _, count, _ = await pipe.execute()
        return int(count)

    async def first_warning(self, key: str, now: float, window: float) -> bool:
        name = f"refleks:inbound:{key}:warned"
        return bool(await self.redis.set(name, "1", nx=True, ex=max(1, math.ceil(window))))


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
        sender = sender_of(event) if isinstance(event, Update) else None
        if self.limit <= 0 or sender is None:
            return await handler(event, data)
        chat_id, private, language = sender
        bot: Bot = data["bot"]
        key, now, window = f"{bot.id}:{chat_id}", self.clock(), self.window_seconds
        count = await self.counter.hit(key, now, window)
        if count <= self.limit:
            return await handler(event, data)
        if self.metrics is not None:
            self.metrics.updates_dropped.labels(bot.id).inc()
        if await self.counter.first_warning(key, now, window):
            log.info("inbound limit: a chat sent more than %s updates in a window", self.limit)
            if private:
                texts = Texts(reader_language(None, None, language))
                await bot.send_message(chat_id, texts("flood.slow_down"))
        return None  # dropped: the update counts as handled


def sender_of(event: Update) -> tuple[int, bool, str | None] | None:
    """The chat an update came from, whether it is private, and the sender's language (also
    the polling's lane: bot.polling)."""
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
