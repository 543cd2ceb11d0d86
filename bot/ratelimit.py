"""Telegram's sending limits, kept by us: aiogram retries nothing by itself.

A global next-slot schedule (default 25 messages a second: under Telegram's ~30 for bulk sends)
and a minimum spacing per chat (default one a second; in a group, three seconds: Telegram allows
20 messages a minute there). A 429 pauses every send for its retry_after. Sends that wake late
together (the event loop was busy rendering the next batch) still go out at most `per_second`
in any one second, as Telegram counts them. `RateLimiter` keeps the schedule in this process;
`RedisRateLimiter` keeps it in Redis, so several instances share one limit (the bot token's,
not each instance's).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)
GROUP_CHAT_INTERVAL = 3.0  # seconds between messages to one group: Telegram's 20 a minute
# Two sends a chat interval apart here can arrive a hair closer together at Telegram (the
# second one's request may be quicker): a margin of 5 % keeps them from counting as too close.
CHAT_MARGIN = 1.05


def chat_interval(chat_id: int, private_interval: float) -> float:
    """The spacing for a chat: group and channel ids are negative."""
    spacing = max(private_interval, GROUP_CHAT_INTERVAL) if chat_id < 0 else private_interval
    return spacing * CHAT_MARGIN


class Limiter(Protocol):
    per_second: float  # the bot's overall limit: how many sends are worth having in flight

    async def wait(self, chat_id: int) -> None: ...

    def pause_all(self, seconds: float) -> None: ...


class RateLimiter:
    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.interval = 1.0 / per_second
        self.chat_interval = 1.0 / per_chat_per_second
        self.clock = clock
        self.sleep = sleep
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int, float] = {}
        self._lock = asyncio.Lock()
        self._sent: deque[float] = deque()  # when the sends of the last second went out
        self._per_window = max(1, int(per_second))

    async def wait(self, chat_id: int) -> None:
        """Returns when a message to `chat_id` may go out; slots are handed out in order."""
        async with self._lock:
            now = self.clock()
            slot = max(now, self._next_slot, self._paused_until, self._chat_next.get(chat_id, 0.0))
            self._next_slot = slot + self.interval
            self._chat_next[chat_id] = slot + chat_interval(chat_id, self.chat_interval)
            if len(self._chat_next) > 10_000:
                self._forget_old(now)
        delay = slot - self.clock()
        if delay > 0:
            await self.sleep(delay)
        await self._within_one_second()

    async def _within_one_second(self) -> None:
        """Slots are 1/per_second apart, but sends that wake late wake together: a stall of
        the loop would put them out in a burst above the limit. Checked as the send leaves."""
        while True:
            now = self.clock()
            sent = self._sent
            while sent and now - sent[0] >= 1.0:
                sent.popleft()
            if len(sent) < self._per_window:
                sent.append(now)
                return
            await self.sleep(sent[0] + 1.0 - now)

    def pause_all(self, seconds: float) -> None:
        """After a 429: nothing goes out until retry_after has passed."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def _forget_old(self, now: float) -> None:
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}


# One round trip hands out a slot: the later of now (Redis' clock, so instances' clocks need not
# agree), the global next slot, the chat's next slot and a pause; then moves both next slots on.
# Times are whole microseconds, written with %.0f: Lua's tostring would round them.
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, chat_interval, pause = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if pause > 0 and now + pause > paused then
  paused = now + pause
  redis.call('SET', KEYS[3], string.format('%.0f', paused), 'PX', math.ceil(pause / 1000) + 1000)
end
local slot = math.max(now, paused, tonumber(redis.call('GET', KEYS[1]) or '0'),
  tonumber(redis.call('GET', KEYS[2]) or '0'))
local keep = math.ceil((slot - now) / 1000) + 60000
redis.call('SET', KEYS[1], string.format('%.0f', slot + interval), 'PX', keep)
redis.call('SET', KEYS[2], string.format('%.0f', slot + chat_interval), 'PX', keep)
return {string.format('%.0f', slot), string.format('%.0f', now)}
"""
MICRO = 1_000_000


class RedisRateLimiter:
    """The same schedule as RateLimiter, kept in Redis by a Lua script (atomic, one round trip).

    A 429 seen by one instance pauses all of them: the pause rides along with this instance's
    next reservation. If Redis cannot be reached, sending goes on under the in-process limiter
    (a warning says so): a 429 or two is better than stopping.
    """

    def __init__(
        self,
        redis: Any,  # redis.asyncio.Redis; Any keeps redis' types out of callers' signatures
        per_second: float,
        per_chat_per_second: float,
        *,
        prefix: str = "refleks",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.redis = redis
        self.per_second = per_second
        self.interval_us = round(MICRO / per_second)
        self.chat_interval_us = round(MICRO / per_chat_per_second)
        self.prefix = "{" + prefix + ":rate}"  # one hash slot, so the script works on a cluster
        self.sleep = sleep
        self.fallback = RateLimiter(per_second, per_chat_per_second, sleep=sleep)
        self._script = redis.register_script(RESERVE)
        self._pause_us = 0
        self._warned_at = float("-inf")

    async def reserve(self, chat_id: int) -> tuple[float, float]:
        """Takes the next slot for `chat_id`: (slot, now), both in Redis' seconds."""
        keys = [f"{self.prefix}:next", f"{self.prefix}:chat:{chat_id}", f"{self.prefix}:pause"]
        pause, self._pause_us = self._pause_us, 0
        try:
            slot, now = await self._script(
                keys=keys, args=[self.interval_us, self._chat_interval_us(chat_id), pause]
            )
        except BaseException:
            self._pause_us = max(self._pause_us, pause)  # not shared yet: keep it for next time
            raise
        return int(slot) / MICRO, int(now) / MICRO

    def _chat_interval_us(self, chat_id: int) -> int:
        return round(chat_interval(chat_id, self.chat_interval_us / MICRO) * MICRO)

    async def wait(self, chat_id: int) -> None:
        from redis.exceptions import RedisError

        try:
            slot, now = await self.reserve(chat_id)
        except (RedisError, OSError) as error:
            self._warn(error)
            await self.fallback.wait(chat_id)
            return
        if slot > now:
            await self.sleep(slot - now)

    def pause_all(self, seconds: float) -> None:
        self._pause_us = max(self._pause_us, round(seconds * MICRO))
        self.fallback.pause_all(seconds)

    def _warn(self, error: BaseException) -> None:
        if time.monotonic() - self._warned_at > 60:
            self._warned_at = time.monotonic()
            log.warning("Redis unreachable (%s): rate limit kept per instance for now", error)
