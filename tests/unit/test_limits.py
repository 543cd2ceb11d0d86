"""The per-chat limits: inbound counting per window, and outgoing spacing for groups."""

from __future__ import annotations

import asyncio
import time

from bot.inbound_limit import MemoryCounter
from bot.ratelimit import CHAT_MARGIN, GROUP_CHAT_INTERVAL, RateLimiter, chat_interval


async def test_a_chat_is_counted_over_a_sliding_window_and_warned_once_per_window() -> None:
    counter = MemoryCounter()
    assert [await counter.hit("1:42", t, 10) for t in (0.0, 1.0, 2.0)] == [1, 2, 3]
    assert await counter.hit("1:43", 2.0, 10) == 1  # another chat counts on its own
    assert await counter.hit("1:42", 10.5, 10) == 3  # the first two have slid out
    assert await counter.first_warning("1:42", 3.0, 10)
    assert not await counter.first_warning("1:42", 12.9, 10)
    assert await counter.first_warning("1:42", 13.0, 10)


def test_a_group_is_spaced_for_twenty_messages_a_minute() -> None:
    assert chat_interval(-100123, 1.0) == GROUP_CHAT_INTERVAL * CHAT_MARGIN
    assert chat_interval(4242, 1.0) == 1.0 * CHAT_MARGIN
    assert 60 / chat_interval(-100123, 1.0) <= 20


async def test_the_limiter_spaces_sends_to_one_group_by_three_seconds() -> None:
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    limiter = RateLimiter(30, 1.0, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        await limiter.wait(-100123)
    assert slept == [GROUP_CHAT_INTERVAL * CHAT_MARGIN, 2 * (GROUP_CHAT_INTERVAL * CHAT_MARGIN)]


async def test_sends_that_wake_late_together_still_keep_the_limit_in_every_second() -> None:
    now = [0.0]
    loop_is_back = asyncio.Event()
    sent_at: list[float] = []

    async def sleep(seconds: float) -> None:
        if loop_is_back.is_set():
            now[0] += seconds
        else:  # the loop is busy (rendering a batch): no send wakes on time
            await loop_is_back.wait()

    limiter = RateLimiter(5, 1000, clock=lambda: now[0], sleep=sleep)

    async def send(chat_id: int) -> None:
        await limiter.wait(chat_id)
        sent_at.append(now[0])

    sends = [asyncio.create_task(send(chat_id)) for chat_id in range(10)]
    for _ in range(3):
        await asyncio.sleep(0)
    now[0] = 3.0  # every slot has passed by the time the loop comes back
    loop_is_back.set()
    await asyncio.gather(*sends)
    assert len(sent_at) == 10
    assert max(sum(at <= t < at + 1 for t in sent_at) for at in sent_at) == 5


async def test_the_redis_counter_slides_and_warns_once_like_the_memory_one() -> None:
    from redis.asyncio import Redis

    from bot.inbound_limit import RedisCounter
    from tests.conftest import REDIS_URL, require_service

    require_service("Redis", "127.0.0.1", 6379)
    redis = Redis.from_url(REDIS_URL)
    key = f"test:{time.time_ns()}"
    try:
        counter = RedisCounter(redis)
        assert [await counter.hit(key, t, 10) for t in (0.0, 1.0, 2.0)] == [1, 2, 3]
        assert await counter.hit(key, 10.5, 10) == 3
        assert await counter.first_warning(key, 3.0, 10)
        assert not await counter.first_warning(key, 4.0, 10)
    finally:
        await redis.delete(f"refleks:inbound:{key}", f"refleks:inbound:{key}:warned")
        await redis.aclose()
